package httpevent

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/subgate/subgate/pkg/gate"
)

// DecodeBody returns an event's body as bytes, base64-decoded when the event marks it so. Padding
// is optional (platforms and hand-written test events send either form), line breaks are ignored,
// and a body over gate.MaxBodyBytes is decoded only as far as the gate needs to refuse it (413).
func DecodeBody(body string, isBase64 bool) ([]byte, error) {
	if !isBase64 {
		return []byte(body), nil
	}
	decoded, err := gate.DecodeBase64Body(body)
	if err == nil {
		return decoded, nil
	}
	if unpadded, rawErr := base64.RawStdEncoding.DecodeString(strings.TrimRight(body, "=")); rawErr == nil {
		return unpadded, nil
	}
	return nil, fmt.Errorf("body is marked base64-encoded (isBase64Encoded) but is not valid base64: %v", err)
}
