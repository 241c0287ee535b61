package webhook

import (
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The known-answer vector from Tencent's Webhook Overview.
func TestSignDocumentedVector(t *testing.T) {
	assert.Equal(t, "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061", Sign("xxxxyyyy", "1669872112"))
}

func TestVerify(t *testing.T) {
	const token = "xxxxyyyy"
	now := time.Unix(1669872112, 0)
	signed := func(requestTime string) url.Values {
		return url.Values{ParamSign: {Sign(token, requestTime)}, ParamRequestTime: {requestTime}}
	}
	at := func(offset time.Duration) url.Values {
		return signed(strconv.FormatInt(now.Add(offset).Unix(), 10))
	}
	tests := []struct {
		name    string
		query   url.Values
		maxSkew time.Duration
		want    error
	}{
		{name: "DocumentedVector", query: url.Values{ParamSign: {"17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"}, ParamRequestTime: {"1669872112"}}},
		{name: "UppercaseHex", query: url.Values{ParamSign: {"17773BC39A671D7B9AA835458704D2A6DB81360A5940292B587D6D760D484061"}, ParamRequestTime: {"1669872112"}}},
		{name: "RepeatedWithSameValue", query: url.Values{ParamSign: {Sign(token, "1669872112"), Sign(token, "1669872112")}, ParamRequestTime: {"1669872112"}}},
		{name: "InsideSkewPast", query: at(-59 * time.Second)},
		{name: "InsideSkewFuture", query: at(59 * time.Second)},
		{name: "OutsideSkewPast", query: at(-61 * time.Second), want: ErrTooOld},
		{name: "OutsideSkewFuture", query: at(61 * time.Second), want: ErrTooOld},
		{name: "CustomSkewInside", query: at(-299 * time.Second), maxSkew: 5 * time.Minute},
		{name: "CustomSkewOutside", query: at(301 * time.Second), maxSkew: 5 * time.Minute, want: ErrTooOld},
		{name: "Missing", query: url.Values{}, want: ErrNotSigned},
		{name: "MissingSign", query: url.Values{ParamRequestTime: {"1669872112"}}, want: ErrNotSigned},
		{name: "MissingRequestTime", query: url.Values{ParamSign: {Sign(token, "1669872112")}}, want: ErrNotSigned},
		{name: "WrongToken", query: url.Values{ParamSign: {Sign("other", "1669872112")}, ParamRequestTime: {"1669872112"}}, want: ErrSignMismatch},
		{name: "SignForOtherTime", query: url.Values{ParamSign: {Sign(token, "1669872111")}, ParamRequestTime: {"1669872112"}}, want: ErrSignMismatch},
		{name: "SignNotHex", query: url.Values{ParamSign: {"zz773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"}, ParamRequestTime: {"1669872112"}}, want: ErrBadSign},
		{name: "SignTooShort", query: url.Values{ParamSign: {"17773bc3"}, ParamRequestTime: {"1669872112"}}, want: ErrBadSign},
		{name: "RequestTimeMilliseconds", query: signed("1669872112000"), want: ErrBadRequestTime},
		{name: "RequestTimeNegative", query: signed("-1669872112"), want: ErrBadRequestTime},
		{name: "RequestTimePlusSign", query: signed("+1669872112"), want: ErrBadRequestTime},
		{name: "RequestTimeSpaces", query: signed(" 1669872112"), want: ErrBadRequestTime},
		{name: "RequestTimeFraction", query: signed("1669872112.5"), want: ErrBadRequestTime},
		{name: "RequestTimeHuge", query: signed("99999999999"), want: ErrTooOld},
		{name: "SignRepeatedDifferent", query: url.Values{ParamSign: {Sign(token, "1669872112"), "x"}, ParamRequestTime: {"1669872112"}}, want: ErrRepeated},
		{name: "RequestTimeRepeatedDifferent", query: url.Values{ParamSign: {Sign(token, "1669872112")}, ParamRequestTime: {"1669872112", "1669872113"}}, want: ErrRepeated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Verifier{Token: token, MaxSkew: tt.maxSkew, Now: func() time.Time { return now }}
			err := v.Verify(tt.query)
			if tt.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tt.want)
			assert.ErrorIs(t, err, ErrUnauthorized)
		})
	}
}

func TestVerifyErrorsNeverShowSecrets(t *testing.T) {
	const token = "s3cret-token"
	v := Verifier{Token: token, Now: func() time.Time { return time.Unix(1669872112, 0) }}
	err := v.Verify(url.Values{ParamSign: {Sign("wrong", "1669872112")}, ParamRequestTime: {"1669872112"}})
	assert.ErrorIs(t, err, ErrSignMismatch)
	assert.NotContains(t, err.Error(), token)
	assert.NotContains(t, err.Error(), Sign(token, "1669872112"))
	assert.NotContains(t, err.Error(), Sign("wrong", "1669872112"))
}

func TestSingle(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   string
		ok     bool
	}{
		{name: "Absent", ok: true},
		{name: "Once", values: []string{"a"}, want: "a", ok: true},
		{name: "RepeatedSame", values: []string{"a", "a"}, want: "a", ok: true},
		{name: "RepeatedDifferent", values: []string{"a", "b"}, ok: false},
		{name: "EmptyThenValue", values: []string{"", "a"}, ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Single(url.Values{"k": tt.values}, "k")
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.ok, ok)
		})
	}
}
