package httpevent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/subgate/subgate/pkg/gate"
)

// Serve answers the request an HTTP event of kind was translated into. readErr is why the event
// could not be read, if it could not: the answer is then 400, FAIL, "the <kind> cannot be read:
// <readErr>". A request over the envelope limits is answered 400 with the limit it broke. Any other
// is the gate's to answer. req.RequestID goes into the log line in every case.
func Serve(ctx context.Context, g *gate.Gate, kind Kind, req gate.Request, readErr error) gate.Response {
	if readErr != nil {
		return g.Refuse(ctx, req, fmt.Sprintf("the %s cannot be read: %v", kind, readErr), nil)
	}
	if err := gate.CheckEnvelope(req); err != nil {
		return g.Refuse(ctx, req, err.Error(), nil)
	}
	return g.Serve(ctx, req)
}

// Decode decodes data, an event or its field named field ("" for the whole event), into v. Its
// error names the field whose value has the wrong type, in words for the answer: "headers must be
// a JSON object, not number".
func Decode(data []byte, field string, v any) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		path := strings.Trim(field+"."+typeErr.Field, ".")
		if path == "" {
			return fmt.Errorf("the event must be a JSON %s, not %s", jsonKind(typeErr.Type), typeErr.Value)
		}
		return fmt.Errorf("%s must be a JSON %s, not %s", path, jsonKind(typeErr.Type), typeErr.Value)
	}
	if field != "" {
		return fmt.Errorf("%s: %w", field, err)
	}
	return err
}

// jsonKind names the JSON value that decodes into t.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	default:
		return "number"
	}
}

// SingleHeaders flattens a response's headers into the one-value-per-name object most platforms'
// responses carry, joining repeated values as HTTP does.
func SingleHeaders(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for name, values := range h {
		out[name] = strings.Join(values, ", ")
	}
	return out
}

// Encode writes a platform response as compact JSON without HTML escaping, as the gate writes its
// answers.
func Encode(response any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	// Responses hold only strings, ints, bools and maps and slices of them: encoding cannot fail.
	_ = enc.Encode(response)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
