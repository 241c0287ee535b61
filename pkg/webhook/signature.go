package webhook

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// DefaultMaxSkew is how far RequestTime may be from now, either way, unless configured otherwise.
// Tencent's documentation asks for one minute.
const DefaultMaxSkew = 60 * time.Second

// Errors Verify returns; each wraps ErrUnauthorized.
var (
	ErrUnauthorized   = errors.New("request is not authenticated")
	ErrNotSigned      = fmt.Errorf("%w: Sign or RequestTime is missing (a webhook token is configured)", ErrUnauthorized)
	ErrRepeated       = fmt.Errorf("%w: Sign or RequestTime is given more than once with different values", ErrUnauthorized)
	ErrBadRequestTime = fmt.Errorf("%w: RequestTime is not a Unix time in seconds", ErrUnauthorized)
	ErrBadSign        = fmt.Errorf("%w: Sign is not 64 hexadecimal digits", ErrUnauthorized)
	ErrTooOld         = fmt.Errorf("%w: RequestTime is outside the allowed clock skew", ErrUnauthorized)
	ErrSignMismatch   = fmt.Errorf("%w: Sign does not match (check the token set in the Chat console)", ErrUnauthorized)
)

// Sign computes the signature Chat sends: lowercase hex of SHA-256(token + requestTime).
func Sign(token, requestTime string) string {
	sum := sha256.Sum256([]byte(token + requestTime))
	return hex.EncodeToString(sum[:])
}

// Verifier checks the Sign and RequestTime query parameters of a webhook request.
type Verifier struct {
	Token   string
	MaxSkew time.Duration    // DefaultMaxSkew when zero
	Now     func() time.Time // time.Now when nil
}

// Verify reports whether query carries a valid, fresh signature for v.Token.
func (v Verifier) Verify(query url.Values) error {
	sign, ok := Single(query, ParamSign)
	if !ok {
		return ErrRepeated
	}
	requestTime, ok := Single(query, ParamRequestTime)
	if !ok {
		return ErrRepeated
	}
	if sign == "" || requestTime == "" {
		return ErrNotSigned
	}
	seconds, err := parseUnixSeconds(requestTime)
	if err != nil {
		return ErrBadRequestTime
	}
	given, err := hex.DecodeString(sign)
	if err != nil || len(given) != sha256.Size {
		return ErrBadSign
	}
	maxSkew := v.MaxSkew
	if maxSkew <= 0 {
		maxSkew = DefaultMaxSkew
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	skew := now().Sub(time.Unix(seconds, 0))
	if skew > maxSkew || skew < -maxSkew {
		return ErrTooOld
	}
	want := sha256.Sum256([]byte(v.Token + requestTime))
	if subtle.ConstantTimeCompare(given, want[:]) != 1 {
		return ErrSignMismatch
	}
	return nil
}

// parseUnixSeconds accepts only plain decimal digits: no sign, no spaces, at most 12 digits
// (which reaches far past any clock skew window, so larger values are never valid anyway).
func parseUnixSeconds(s string) (int64, error) {
	if len(s) > 12 {
		return 0, strconv.ErrRange
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

// Single returns the value of a query parameter that may be repeated only with the same value
// ("" when absent). It reports false when the parameter is given more than once with different values.
func Single(query url.Values, key string) (string, bool) {
	values := query[key]
	if len(values) == 0 {
		return "", true
	}
	for _, v := range values[1:] {
		if v != values[0] {
			return "", false
		}
	}
	return values[0], true
}
