package scfevent

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQueryUnmarshal(t *testing.T) {
	tests := []struct {
		name      string
		json      string
		want      Query
		wantError string
	}{
		{name: "String", json: `{"a":"1"}`, want: Query{"a": {"1"}}},
		{name: "Array", json: `{"a":["1","2"]}`, want: Query{"a": {"1", "2"}}},
		{name: "EmptyArray", json: `{"a":[]}`, want: Query{"a": {}}},
		{name: "True", json: `{"flag":true}`, want: Query{"flag": {""}}},
		{name: "Number", json: `{"a":1400000001}`, want: Query{"a": {"1400000001"}}},
		{name: "Null", json: `null`, want: nil},
		{name: "Empty", json: `{}`, want: Query{}},
		{name: "False", json: `{"a":false}`, wantError: `value of "a": want a string, an array of strings or true, not false`},
		{name: "NullValue", json: `{"a":null}`, wantError: `value of "a": want a string, an array of strings or true, not null`},
		{name: "ArrayOfNumbers", json: `{"a":[1]}`, wantError: `value of "a": want an array of strings`},
		{name: "NotAnObject", json: `"a=1"`, wantError: `want an object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Query
			err := json.Unmarshal([]byte(tt.json), &got)
			if tt.wantError != "" {
				require.EqualError(t, err, tt.wantError)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestHeadersUnmarshal(t *testing.T) {
	tests := []struct {
		name      string
		json      string
		want      Headers
		wantError string
	}{
		{name: "Canonical", json: `{"content-type":"a","X-REQUEST-ID":"b"}`, want: Headers{"Content-Type": {"a"}, "X-Request-Id": {"b"}}},
		{name: "SameNameInTwoCases", json: `{"accept":"b","Accept":"a"}`, want: Headers{"Accept": {"a", "b"}}},
		{name: "Array", json: `{"accept":["a","b"]}`, want: Headers{"Accept": {"a", "b"}}},
		{name: "Null", json: `null`, want: nil},
		{name: "Number", json: `{"content-length":17}`, wantError: `value of "content-length": want a string or an array of strings`},
		{name: "NotAnObject", json: `[]`, wantError: `want an object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Headers
			err := json.Unmarshal([]byte(tt.json), &got)
			if tt.wantError != "" {
				require.EqualError(t, err, tt.wantError)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.NotNil(t, httpHeader(got), "the gate gets an empty header, never nil")
		})
	}
}

func TestFlagUnmarshal(t *testing.T) {
	tests := []struct {
		json      string
		want      Flag
		wantError string
	}{
		{json: `true`, want: true},
		{json: `false`, want: false},
		{json: `"true"`, want: true},
		{json: `"false"`, want: false},
		{json: `"TRUE"`, want: true},
		{json: `""`, want: false},
		{json: `null`, want: false},
		{json: `"yes"`, wantError: `want true or false, not "yes"`},
		{json: `1`, wantError: `want true or false, not 1`},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			var got Flag
			err := json.Unmarshal([]byte(tt.json), &got)
			if tt.wantError != "" {
				require.EqualError(t, err, tt.wantError)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
