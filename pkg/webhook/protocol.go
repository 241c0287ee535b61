package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"unicode/utf8"
)

// Query parameter names that Chat puts on every webhook URL.
const (
	ParamSdkAppid        = "SdkAppid"
	ParamCallbackCommand = "CallbackCommand"
	ParamSign            = "Sign"
	ParamRequestTime     = "RequestTime"
)

// CommandBeforeAddSubscriber is the command of "Before Official Channel Is Subscribed", which
// subgate always decides. (The group commands it decides when its policy says so are in groups.go.)
const CommandBeforeAddSubscriber = "OfficialAccount.CallbackBeforeAddSubscriber"

// ActionStatus values of an Answer.
const (
	StatusOK   = "OK"
	StatusFail = "FAIL"
)

// ErrorCode values of an Answer: go on (refusing only the listed users), or reject the whole request.
const (
	CodeProceed = 0
	CodeReject  = 1
)

// Answer is the JSON object every webhook answer carries.
type Answer struct {
	ActionStatus string `json:"ActionStatus"`
	ErrorCode    int    `json:"ErrorCode"`
	ErrorInfo    string `json:"ErrorInfo"`
	// Refused are the subscribers refused by an answer to CallbackBeforeAddSubscriber.
	Refused []string `json:"RefusedSubscribers_Account,omitempty"`
	// RefusedMembers are the users refused by an answer to CallbackBeforeInviteJoinGroup.
	RefusedMembers []string `json:"RefusedMembers_Account,omitempty"`
}

// Proceed is the answer that lets a CallbackBeforeAddSubscriber request go on, refusing the listed
// subscribers (if any).
func Proceed(refused []string) Answer {
	return Answer{ActionStatus: StatusOK, ErrorCode: CodeProceed, Refused: refused}
}

// ProceedMembers is the answer that lets a CallbackBeforeInviteJoinGroup request go on, refusing
// the listed members (if any): they are not added, the others are.
func ProceedMembers(refused []string) Answer {
	return Answer{ActionStatus: StatusOK, ErrorCode: CodeProceed, RefusedMembers: refused}
}

// Reject is the answer that rejects the whole request for a policy reason.
func Reject(reason string) Answer {
	return Answer{ActionStatus: StatusOK, ErrorCode: CodeReject, ErrorInfo: reason}
}

// Failure is the answer to a request that could not be processed.
func Failure(info string) Answer {
	return Answer{ActionStatus: StatusFail, ErrorCode: CodeReject, ErrorInfo: info}
}

// AddSubscriber is the body of OfficialAccount.CallbackBeforeAddSubscriber.
type AddSubscriber struct {
	CallbackCommand string
	// Channel is Official_Account: the Official Channel being subscribed to.
	Channel string
	// Operator is Operator_Account: who asked (the user, or the app admin through the REST API).
	Operator string
	// Subscribers are the Subscriber_Account values, in request order; an entry without one is "".
	Subscribers []string
}

// ErrBadBody is wrapped by every error the Parse functions return.
var ErrBadBody = errors.New("bad request body")

// ParseAddSubscriber decodes and checks the body of a CallbackBeforeAddSubscriber request.
// The body must be one JSON object in valid UTF-8 with a string Official_Account and an array
// SubscribeAccountList of objects; optional fields, when present, must have their documented types.
func ParseAddSubscriber(body []byte) (*AddSubscriber, error) {
	raw, err := decodeBody[addSubscriberIn](body)
	if err != nil {
		return nil, err
	}
	if raw.OfficialAccount == nil {
		return nil, fmt.Errorf("%w: Official_Account is missing", ErrBadBody)
	}
	if raw.SubscribeAccountList == nil || *raw.SubscribeAccountList == nil {
		return nil, fmt.Errorf("%w: SubscribeAccountList is missing", ErrBadBody)
	}
	req := &AddSubscriber{Channel: *raw.OfficialAccount, CallbackCommand: value(raw.CallbackCommand), Operator: value(raw.OperatorAccount)}
	list := *raw.SubscribeAccountList
	req.Subscribers = make([]string, len(list))
	for i, s := range list {
		if s == nil {
			return nil, fmt.Errorf("%w: SubscribeAccountList[%d] is null, not an object", ErrBadBody, i)
		}
		req.Subscribers[i] = s.Account
	}
	return req, nil
}

// decodeBody decodes a webhook body into a T, strictly: the body must be valid UTF-8 and one JSON
// object whose fields have the types T gives them (an error names the field), with no key given
// twice in any object and no absurd nesting (checkStructure).
func decodeBody[T any](body []byte) (*T, error) {
	if !utf8.Valid(body) {
		return nil, fmt.Errorf("%w: body is not valid UTF-8", ErrBadBody)
	}
	raw := new(T)
	// A body that is one JSON object and nothing more (the common case) decodes in one pass; any
	// other is decoded again by a Decoder, whose errors say what is wrong with it.
	if err := json.Unmarshal(body, raw); err != nil {
		return nil, decodeStrictly(body, new(T))
	}
	if err := checkStructure(body); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadBody, err)
	}
	return raw, nil
}

// value is *s, or "" for nil.
func value(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Command reads only the CallbackCommand of a webhook body ("" when absent), for a body that arrives
// without the query string that normally names it.
func Command(body []byte) (string, error) {
	var raw struct {
		CallbackCommand *string `json:"CallbackCommand"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return "", fmt.Errorf("%w: %s", ErrBadBody, describeJSONError(err))
	}
	if raw.CallbackCommand == nil {
		return "", nil
	}
	return *raw.CallbackCommand, nil
}

// addSubscriberIn is the body as encoding/json decodes it: pointers tell a missing field (or
// entry) from a present one.
type addSubscriberIn struct {
	CallbackCommand      *string          `json:"CallbackCommand"`
	OfficialAccount      *string          `json:"Official_Account"`
	OperatorAccount      *string          `json:"Operator_Account"`
	SubscribeAccountList *[]*subscriberIn `json:"SubscribeAccountList"`
	EventTime            *float64         `json:"EventTime"` // read only to check its type
}

// subscriberIn is one entry of SubscribeAccountList. A missing or null Subscriber_Account reads as
// "", as an empty one does.
type subscriberIn struct {
	Account string `json:"Subscriber_Account"`
}

// decodeStrictly decodes a body that json.Unmarshal refused into raw (zero), and says why it is not
// one JSON object of raw's shape.
func decodeStrictly(body []byte, raw any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(raw); err != nil {
		return fmt.Errorf("%w: %s", ErrBadBody, describeJSONError(err))
	}
	if dec.InputOffset() < int64(len(bytes.TrimRight(body, " \t\r\n"))) {
		return fmt.Errorf("%w: body has more after its JSON object", ErrBadBody)
	}
	// Unmarshal refused what a Decoder reads whole: report Unmarshal's reason (not expected).
	return fmt.Errorf("%w: %s", ErrBadBody, describeJSONError(json.Unmarshal(body, raw)))
}

// describeJSONError turns encoding/json's errors into a sentence about the webhook body.
func describeJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			return "body is not a JSON object"
		}
		return fmt.Sprintf("%s must be %s, not a JSON %s", typeErr.Field, jsonKind(typeErr.Type), typeErr.Value)
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return fmt.Sprintf("body is not valid JSON (at byte %d: %s)", syntaxErr.Offset, syntaxErr.Error())
	}
	if errors.Is(err, io.EOF) {
		return "body is empty"
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "body is not valid JSON: it ends inside its object"
	}
	return "body is not valid JSON: " + err.Error()
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "an array"
	case reflect.Struct, reflect.Pointer:
		return "an object"
	default:
		return "a number"
	}
}
