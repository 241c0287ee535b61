package lambdaevent

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/subgate/subgate/pkg/internal/jsonscan"
)

// readHTTPEvent reads, without encoding/json, an API Gateway (HTTP API or REST API) or Function
// URL event of the shape Lambda sends: one pass tells its kind, as detect does, and one decodes it
// into the event type, as json.Unmarshal does. It takes one object, with nothing but JSON
// whitespace around it, with requestContext an object without elb, and the keys detect reads
// (requestContext, its domainName, version, httpMethod, CallbackCommand) each given at most once
// and not null; within the event type's objects, each key is given at most once and either is a
// field's JSON name exactly or matches none in any case; strings have no \u escapes and are valid
// UTF-8; values are of the fields' types, except that a field of type any or map[string]any (the
// claims of some authorizers) is null or absent.
//
// For any other payload it reports false, and the event is detected and decoded the general way
// (detect, decodeHTTPEvent), which gives every error its message; for a payload it accepts, the
// general way gives the same kind and the same event (a test checks both on many payloads).
func readHTTPEvent(payload []byte) (Kind, httpEvent, bool) {
	kind, ok := detectCommon(payload)
	if !ok {
		return kind, nil, false
	}
	var event httpEvent
	switch kind {
	case KindFunctionURL:
		event = &functionURLEvent{}
	case KindHTTPAPI:
		event = &httpAPIEvent{}
	case KindRESTAPI:
		event = &restAPIEvent{}
	default:
		return kind, nil, false
	}
	s := scanner{jsonscan.Scanner{B: payload}}
	s.Space()
	if !s.decode(reflect.ValueOf(event).Elem()) {
		return kind, nil, false
	}
	s.Space()
	return kind, event, s.I == len(s.B)
}

// detectCommon is detect for the payloads readHTTPEvent takes; false for any other.
func detectCommon(payload []byte) (Kind, bool) {
	var version, domainName string
	var seen [5]bool // requestContext, version, httpMethod, CallbackCommand, domainName
	once := func(field int) bool {
		if seen[field] {
			return false
		}
		seen[field] = true
		return true
	}
	s := scanner{jsonscan.Scanner{B: payload}}
	s.Space()
	ok := s.Object(func(key string) bool {
		switch key {
		case "requestContext":
			return once(0) && s.Object(func(key string) bool {
				switch key {
				case "elb":
					return false
				case "domainName":
					var ok bool
					domainName, ok = s.Str()
					return ok && once(4)
				}
				return s.Skip()
			})
		case "version":
			var ok bool
			version, ok = s.Str()
			return ok && once(1)
		case "httpMethod", "CallbackCommand":
			field := 2
			if key == "CallbackCommand" {
				field = 3
			}
			return once(field) && !s.Literal("null") && s.Skip()
		}
		return s.Skip()
	})
	s.Space()
	switch {
	case !ok || s.I != len(s.B) || !seen[0]:
		return KindUnrecognised, false
	case version == "2.0" && strings.Contains(domainName, ".lambda-url."):
		return KindFunctionURL, true
	case version == "2.0":
		return KindHTTPAPI, true
	case seen[2]:
		return KindRESTAPI, true
	}
	return KindUnrecognised, false
}

// decode reads a value into v, which is zero, as json.Unmarshal would, for the kinds of value the
// event types hold; false for anything else (see readHTTPEvent).
func (s *scanner) decode(v reflect.Value) bool {
	if s.Literal("null") {
		// json.Unmarshal leaves a value as it was for null, or sets it to nil: v is zero already.
		return true
	}
	switch v.Kind() {
	case reflect.String:
		str, ok := s.Str()
		v.SetString(str)
		return ok
	case reflect.Bool:
		switch {
		case s.Literal("true"):
			v.SetBool(true)
			return true
		case s.Literal("false"):
			return true
		}
		return false
	case reflect.Int64:
		start := s.I
		s.Byte('-')
		digits := s.I
		if !s.Digits() || s.B[digits] == '0' && s.I > digits+1 {
			return false
		}
		n, err := strconv.ParseInt(string(s.B[start:s.I]), 10, 64)
		v.SetInt(n)
		return err == nil
	case reflect.Map, reflect.Slice:
		switch p := v.Addr().Interface().(type) {
		case *map[string]string:
			*p = make(map[string]string, 8)
			return s.Object(func(key string) bool {
				value, ok := s.stringOrNull()
				return ok && add(*p, key, value)
			})
		case *map[string][]string:
			*p = make(map[string][]string, 8)
			return s.Object(func(key string) bool {
				var list []string
				ok := s.Literal("null")
				if !ok {
					list, ok = s.list()
				}
				return ok && add(*p, key, list)
			})
		case *[]string:
			var ok bool
			*p, ok = s.list()
			return ok
		}
		return false
	case reflect.Pointer:
		if v.Type().Elem().Kind() != reflect.Struct {
			return false
		}
		v.Set(reflect.New(v.Type().Elem()))
		return s.decode(v.Elem())
	case reflect.Struct:
		fields, ok := fieldsOf(v.Type())
		if !ok {
			return false
		}
		var seen uint64
		return s.Object(func(key string) bool {
			i, known := fields[key]
			switch {
			case known && seen&(1<<i) == 0:
				seen |= 1 << i
				return s.decode(v.Field(i))
			case known || foldsToAny(key, fields):
				return false
			}
			return s.Skip()
		})
	}
	return false
}

// stringOrNull reads a string, or null as json.Unmarshal decodes it into a string: "".
func (s *scanner) stringOrNull() (string, bool) {
	if s.Literal("null") {
		return "", true
	}
	return s.Str()
}

// list reads an array of strings (null reading as "").
func (s *scanner) list() ([]string, bool) {
	if !s.Byte('[') {
		return nil, false
	}
	list := make([]string, 0, 2)
	s.Space()
	if s.Byte(']') {
		return list, true
	}
	for {
		s.Space()
		item, ok := s.stringOrNull()
		if !ok {
			return nil, false
		}
		list = append(list, item)
		s.Space()
		if s.Byte(']') {
			return list, true
		}
		if !s.Byte(',') {
			return nil, false
		}
	}
}

// add sets a map's key, which an object gives at most once.
func add[V any](m map[string]V, key string, value V) bool {
	if _, twice := m[key]; twice {
		return false
	}
	m[key] = value
	return true
}

// fieldsOf maps a struct type's JSON field names to field indexes, as encoding/json names them;
// false for a struct with a field it would read otherwise (embedded, `,string`) or too many fields.
func fieldsOf(t reflect.Type) (map[string]int, bool) {
	if known, ok := structFields.Load(t); ok {
		fields := known.(map[string]int)
		return fields, fields != nil
	}
	fields := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, options, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case f.Anonymous || i >= 64 || strings.Contains(options, "string"):
			fields = nil
		case !f.IsExported() || name == "-":
			continue
		case name == "":
			name = f.Name
		}
		if fields == nil {
			break
		}
		fields[name] = i
	}
	structFields.Store(t, fields)
	return fields, fields != nil
}

var structFields sync.Map // reflect.Type → map[string]int, nil for a struct decode does not take

// foldsToAny reports whether encoding/json could match key to one of the fields by its
// case-insensitive matching: it matches any of them without regard to case, or, having bytes
// beyond ASCII, might under Unicode's case folding.
func foldsToAny(key string, fields map[string]int) bool {
	for i := range len(key) {
		if key[i] >= utf8.RuneSelf {
			return true
		}
	}
	for name := range fields {
		if strings.EqualFold(key, name) {
			return true
		}
	}
	return false
}

// scanner is the one-pass JSON scanner, with this package's readers of event fields.
type scanner struct {
	jsonscan.Scanner
}
