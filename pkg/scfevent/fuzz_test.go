package scfevent

import (
	"context"
	"testing"

	"github.com/subgate/subgate/internal/testkit"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/httpevent"
)

// FuzzInvoke invokes the handler with any payload and checks that the answer is well formed,
// documented, and lets nothing through that the checks or the policy refuse.
func FuzzInvoke(f *testing.F) {
	deployments := testkit.Deployments(f)
	handlers := make([]*Handler, len(deployments))
	for i, d := range deployments {
		handlers[i] = NewHandler(func() *gate.Gate { return d.Gate })
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		for i, d := range deployments {
			out, err := handlers[i].Invoke(context.Background(), payload)
			kind, fields, _ := detect(payload)
			testkit.CheckEventAnswer(t, d, kind, payload, out, err, func() (gate.Request, error) { return translate(kind, fields) })
		}
	})
}

// translate decodes and translates an HTTP event as the handler does.
func translate(kind httpevent.Kind, fields httpevent.Object) (gate.Request, error) {
	if kind == httpevent.APIGateway {
		e, err := decodeAPIGateway(fields)
		if err != nil {
			return gate.Request{}, err
		}
		return e.Request("")
	}
	e, err := decodeFunctionURL(fields)
	if err != nil {
		return gate.Request{}, err
	}
	return e.Request("")
}
