package scfevent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/subgate/subgate/pkg/httpevent"
)

// Query is an event's query string, decoded from an object whose values are a string, an array
// of strings (a key given more than once), true (a key without a value) or a number. Every value
// is kept, so the gate can refuse a repeated SdkAppid with different values.
type Query url.Values

// UnmarshalJSON decodes the query object; null decodes to no query.
func (q *Query) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return errors.New("want an object")
	}
	if raw == nil {
		*q = nil
		return nil
	}
	values := make(url.Values, len(raw))
	for key, v := range raw {
		vs, err := queryValues(v)
		if err != nil {
			return fmt.Errorf("value of %s: %w", strconv.Quote(key), err)
		}
		values[key] = vs
	}
	*q = Query(values)
	return nil
}

func queryValues(v json.RawMessage) ([]string, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return nil, errors.New("want a string, an array of strings or true")
	}
	switch v[0] {
	case '"':
		var s string
		err := json.Unmarshal(v, &s)
		return []string{s}, err
	case '[':
		var list []string
		if err := json.Unmarshal(v, &list); err != nil {
			return nil, errors.New("want an array of strings")
		}
		return list, nil
	case 't':
		// A key without a value (?flag) is given as true.
		return []string{""}, nil
	}
	if n := json.Number(v); isNumber(n) {
		return []string{n.String()}, nil
	}
	return nil, fmt.Errorf("want a string, an array of strings or true, not %s", describeValue(v))
}

// describeValue names the kind of a JSON value that is not what was wanted, without echoing it.
func describeValue(v json.RawMessage) string {
	switch v[0] {
	case '{':
		return "an object"
	case 'f':
		return "false"
	case 'n':
		return "null"
	}
	return "a malformed value"
}

func isNumber(n json.Number) bool {
	_, err := strconv.ParseFloat(n.String(), 64)
	return err == nil
}

// Headers are an event's request headers: names in any case, values a string or an array of
// strings. They decode into an http.Header, whose names are canonical.
type Headers http.Header

// UnmarshalJSON decodes the headers object; null decodes to no headers.
func (h *Headers) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return errors.New("want an object")
	}
	if raw == nil {
		*h = nil
		return nil
	}
	header := make(http.Header, len(raw))
	// Sorted, so that names differing only in case are added in a fixed order.
	keys := make([]string, 0, len(raw))
	for key := range raw {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		var one string
		if err := json.Unmarshal(raw[key], &one); err == nil {
			header.Add(key, one)
			continue
		}
		var list []string
		if err := json.Unmarshal(raw[key], &list); err != nil {
			return fmt.Errorf("value of %s: want a string or an array of strings", strconv.Quote(key))
		}
		for _, v := range list {
			header.Add(key, v)
		}
	}
	*h = Headers(header)
	return nil
}

// Flag is a boolean that events carry as true/false or as the string "true"/"false".
type Flag bool

// UnmarshalJSON decodes a boolean, a string strconv.ParseBool accepts, "" (false) or null (false).
func (f *Flag) UnmarshalJSON(data []byte) error {
	var b *bool
	if err := json.Unmarshal(data, &b); err == nil {
		*f = Flag(b != nil && *b)
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("want true or false, not %s", data)
	}
	if strings.TrimSpace(s) == "" {
		*f = false
		return nil
	}
	v, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("want true or false, not %s", strconv.Quote(s))
	}
	*f = Flag(v)
	return nil
}

// httpHeader returns an event's headers as an http.Header, empty rather than nil.
func httpHeader(h Headers) http.Header {
	if h == nil {
		return http.Header{}
	}
	return http.Header(h)
}

// field is a top-level field of an event and where it decodes to.
type field struct {
	name string
	into any
}

// decodeFields decodes each field the event has; the first error names its field.
func decodeFields(fields httpevent.Object, want []field) error {
	for _, f := range want {
		raw, ok := fields[f.name]
		if !ok {
			continue
		}
		if err := httpevent.Decode(raw, f.name, f.into); err != nil {
			return err
		}
	}
	return nil
}
