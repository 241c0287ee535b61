package workload

import (
	"crypto/sha256"
	"encoding/json"
)

// minimalBody is the least of a CallbackBeforeAddSubscriber body that any implementation reads.
type minimalBody struct {
	OfficialAccount      string `json:"Official_Account"`
	OperatorAccount      string `json:"Operator_Account"`
	SubscribeAccountList []struct {
		Account string `json:"Subscriber_Account"`
	} `json:"SubscribeAccountList"`
}

// minimalAnswer is the least answer: the three fields Chat requires and the refused IDs.
type minimalAnswer struct {
	ActionStatus string
	ErrorCode    int
	ErrorInfo    string
	Refused      []string `json:"RefusedSubscribers_Account,omitempty"`
}

// minimalEnvelope is the least of an HTTP event: the method, the query and the body.
type minimalEnvelope struct {
	HTTPMethod  string            `json:"httpMethod"`
	QueryString map[string]string `json:"queryString"`
	RawQuery    string            `json:"rawQueryString"`
	Body        string            `json:"body"`
}

// minimalResponse is the least platform response: status, one header and the answer.
type minimalResponse struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

// FloorBody is the floor of the core: decode the body into a minimal struct and encode a minimal
// answer refusing refused. It returns the answer so the work cannot be optimised away.
func FloorBody(body []byte, refused []string) []byte {
	var in minimalBody
	if err := json.Unmarshal(body, &in); err != nil {
		panic(err)
	}
	out, err := json.Marshal(minimalAnswer{ActionStatus: "OK", Refused: refused})
	if err != nil {
		panic(err)
	}
	return out
}

// FloorSigned is FloorBody plus the one SHA-256 any implementation of the signature check hashes.
func FloorSigned(body []byte, refused []string, token, requestTime string) []byte {
	signSink = sha256.Sum256([]byte(token + requestTime))
	return FloorBody(body, refused)
}

// signSink keeps FloorSigned's hash from being optimised away.
var signSink [sha256.Size]byte

// FloorEvent is the floor of an entrypoint: decode the event's envelope into a minimal struct, its
// body into another, encode a minimal answer and the minimal response carrying it.
func FloorEvent(event []byte, refused []string) []byte {
	var env minimalEnvelope
	if err := json.Unmarshal(event, &env); err != nil {
		panic(err)
	}
	answer := FloorBody([]byte(env.Body), refused)
	out, err := json.Marshal(minimalResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(answer)})
	if err != nil {
		panic(err)
	}
	return out
}
