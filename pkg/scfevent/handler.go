package scfevent

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"sync"

	"github.com/tencentyun/scf-go-lib/functioncontext"

	"github.com/subgate/subgate/pkg/config"
	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/httpevent"
	"github.com/subgate/subgate/pkg/webhook"
)

// Handler answers SCF invocations. It is a scf-go-lib cloudfunction.Handler: it takes the raw
// payload, so a payload that is not JSON reaches it rather than failing in the library.
type Handler struct {
	newGate func() *gate.Gate
	once    sync.Once
	gate    *gate.Gate
}

// NewHandler returns a Handler that builds its gate with newGate on the first invocation and keeps
// it. The first invocation is the earliest point at which the function's environment variables
// are known: scf-go-lib sets them from each invoke request just before calling the handler.
func NewHandler(newGate func() *gate.Gate) *Handler {
	return &Handler{newGate: newGate}
}

// Gate returns the handler's gate, building it on the first call.
func (h *Handler) Gate() *gate.Gate { return h.gateFor(context.Background()) }

// gateFor is Gate for an invocation: when it builds the gate, the function's memory, which the
// invoke request carries (MemoryLimitInMb), is in FUNCTION_MEMORY_SIZE first, where scf-go-lib's
// functioncontext reads it and the configuration too, unless the runtime has set it: scf-go-lib
// sets the request's other variables in the process's environment the same way, just before.
func (h *Handler) gateFor(ctx context.Context) *gate.Gate {
	h.once.Do(func() {
		if fc, ok := functioncontext.FromContext(ctx); ok && fc != nil && fc.MemoryLimitInMb > 0 && os.Getenv(config.EnvSCFMemory) == "" {
			_ = os.Setenv(config.EnvSCFMemory, strconv.Itoa(int(fc.MemoryLimitInMb)))
		}
		h.gate = h.newGate()
	})
	return h.gate
}

// invocation is one payload being answered, with what every event kind needs.
type invocation struct {
	ctx       context.Context
	gate      *gate.Gate
	payload   []byte
	fields    httpevent.Object // the event's top-level fields, for its decoder
	requestID string
}

// Invoke answers one invocation. It never returns an error: every failure is an answer the caller
// can read, because an SCF function error would tell Chat nothing. A panic is recovered, logged
// once with its stack and answered as the gate answers an internal fault (gate.Gate.Fault: by the
// fail mode when the event carries a command subgate decides, else 500 FAIL), in the event's
// response shape (the bare answer for a webhook body or an unrecognised payload). The gate works
// within the invocation's deadline, less the time kept to answer (see gate.WithAnswerTime).
func (h *Handler) Invoke(ctx context.Context, payload []byte) (answer []byte, _ error) {
	inv := invocation{payload: payload}
	command := func() string { return "" } // the event's CallbackCommand, read only after a panic
	respond := func(resp gate.Response) []byte { return resp.Body }
	defer func() {
		if p := recover(); p != nil {
			// The gate, built at the first invocation, is built here when the panic came first.
			g := h.Gate()
			g.Logger().Error("internal fault", "request_id", inv.requestID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			answer = respond(g.Fault(context.Background(), inv.requestID, command))
		}
	}()
	kind, fields, why := detect(payload)
	inv.fields = fields
	switch kind {
	case httpevent.APIGateway:
		command = func() string {
			e, _ := decodeAPIGateway(fields)
			req, _ := e.Request("")
			return queryCommand(req)
		}
		respond = func(resp gate.Response) []byte { return httpevent.Encode(NewAPIGatewayResponse(resp)) }
	case httpevent.FunctionURL:
		command = func() string {
			e, _ := decodeFunctionURL(fields)
			req, _ := e.Request("")
			return queryCommand(req)
		}
		respond = func(resp gate.Response) []byte { return httpevent.Encode(NewFunctionURLResponse(resp)) }
	case httpevent.WebhookBody:
		command = func() string { c, _ := webhook.Command(payload); return c }
	}
	inv.requestID = RequestID(ctx)
	inv.gate = h.gateFor(ctx)
	ctx, cancel := gate.WithAnswerTime(ctx)
	defer cancel()
	inv.ctx = ctx
	switch kind {
	case httpevent.APIGateway:
		return h.serveAPIGateway(inv), nil
	case httpevent.FunctionURL:
		return h.serveFunctionURL(inv), nil
	case httpevent.WebhookBody:
		return h.serveWebhookBody(inv), nil
	}
	return inv.gate.Unrecognised(ctx, inv.requestID, why), nil
}

// queryCommand is the CallbackCommand of a request's query ("" when absent or repeated).
func queryCommand(req gate.Request) string {
	c, _ := webhook.Single(req.Query, webhook.ParamCallbackCommand)
	return c
}

// RequestID is the SCF request ID of the invocation ctx belongs to, "" outside one.
func RequestID(ctx context.Context) string {
	if fc, ok := functioncontext.FromContext(ctx); ok && fc != nil {
		return fc.RequestID
	}
	return ""
}
