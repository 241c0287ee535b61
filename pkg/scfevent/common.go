package scfevent

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/subgate/subgate/pkg/internal/jsonscan"
)

// readCommon reads an API Gateway or Function URL event of the shape SCF sends, in one pass: one
// object, with nothing but JSON whitespace around it, in which each field this package reads is
// given at most once and is a string (httpMethod, path, body), true or false (isBase64Encoded), an
// object of strings with no key twice (headers, queryString, queryStringParameters) or an object
// (requestContext, whose requestId and httpMethod, when given, are strings under exactly those
// names); strings have no \u escapes and are valid UTF-8. Other fields may hold any JSON.
//
// For any other payload it reports false, and the event is detected and decoded the general way
// (detect, decodeAPIGateway, decodeFunctionURL), which gives every error its message; for a payload
// it accepts, the general way gives the same kind and the same event (a test checks both on many
// payloads). The event is an APIGatewayEvent for both kinds: a Function URL event is its subset.
func readCommon(payload []byte) (Kind, APIGatewayEvent, bool) {
	var e APIGatewayEvent
	var seen [8]bool // requestContext, httpMethod, path, body, isBase64Encoded, headers, queryString, queryStringParameters
	s := scanner{jsonscan.Scanner{B: payload}}
	s.Space()
	ok := s.Object(func(key string) bool {
		field := -1
		ok := true
		switch key {
		case "requestContext":
			field = 0
			e.RequestContext, ok = s.requestContext()
		case "httpMethod":
			field = 1
			e.HTTPMethod, ok = s.Str()
		case "path":
			field = 2
			e.Path, ok = s.Str()
		case "body":
			field = 3
			e.Body, ok = s.Str()
		case "isBase64Encoded":
			field = 4
			e.IsBase64Encoded, ok = s.flag()
		case "headers":
			field = 5
			e.Headers, ok = s.headers()
		case "queryString":
			field = 6
			e.QueryString, ok = s.query()
		case "queryStringParameters":
			field = 7
			e.QueryStringParameters, ok = s.query()
		default:
			return s.Skip()
		}
		if !ok || seen[field] {
			return false
		}
		seen[field] = true
		return true
	})
	s.Space()
	switch {
	case !ok || s.I != len(s.B):
		return Unrecognised, e, false
	case seen[0]:
		return APIGateway, e, true
	case seen[1]:
		return FunctionURL, e, true
	}
	return Unrecognised, e, false
}

// functionURL is the Function URL event's part of an event readCommon read.
func (e APIGatewayEvent) functionURL() FunctionURLEvent {
	return FunctionURLEvent{
		HTTPMethod:      e.HTTPMethod,
		Path:            e.Path,
		Headers:         e.Headers,
		QueryString:     e.QueryString,
		Body:            e.Body,
		IsBase64Encoded: e.IsBase64Encoded,
	}
}

// requestContext reads the object APIGatewayContext decodes from. encoding/json matches its field
// names in any case, so a key that differs from requestId or httpMethod only in case goes the
// general way.
func (s *scanner) requestContext() (APIGatewayContext, bool) {
	var c APIGatewayContext
	var seen [2]bool
	ok := s.Object(func(key string) bool {
		field := 0
		ok := true
		switch {
		case key == "requestId":
			c.RequestID, ok = s.Str()
		case key == "httpMethod":
			field = 1
			c.HTTPMethod, ok = s.Str()
		case strings.EqualFold(key, "requestId") || strings.EqualFold(key, "httpMethod"):
			return false
		default:
			return s.Skip()
		}
		if !ok || seen[field] {
			return false
		}
		seen[field] = true
		return true
	})
	return c, ok
}

func (s *scanner) flag() (Flag, bool) {
	switch {
	case s.Literal("true"):
		return true, true
	case s.Literal("false"):
		return false, true
	}
	return false, false
}

// headers reads an object of strings as Headers.UnmarshalJSON decodes it: names added in sorted
// order, so that names differing only in case are added in a fixed order.
func (s *scanner) headers() (Headers, bool) {
	type pair struct{ name, value string }
	pairs := make([]pair, 0, 16)
	ok := s.Object(func(name string) bool {
		value, ok := s.Str()
		pairs = append(pairs, pair{name, value})
		return ok
	})
	if !ok {
		return nil, false
	}
	slices.SortFunc(pairs, func(a, b pair) int { return strings.Compare(a.name, b.name) })
	header := make(http.Header, len(pairs))
	for i, p := range pairs {
		if i > 0 && pairs[i-1].name == p.name {
			return nil, false
		}
		header.Add(p.name, p.value)
	}
	return Headers(header), true
}

// query reads an object of strings as Query.UnmarshalJSON decodes it.
func (s *scanner) query() (Query, bool) {
	values := make(url.Values, 8)
	ok := s.Object(func(key string) bool {
		value, ok := s.Str()
		if _, twice := values[key]; twice {
			return false
		}
		values[key] = []string{value}
		return ok
	})
	return Query(values), ok
}

// scanner is the one-pass JSON scanner, with this package's readers of event fields.
type scanner struct {
	jsonscan.Scanner
}
