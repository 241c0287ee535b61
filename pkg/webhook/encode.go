package webhook

import (
	"strconv"

	"github.com/subgate/subgate/pkg/internal/jsonstr"
)

// Encode returns the answer as compact JSON, fields in the documented order: exactly what
// encoding/json writes for an Answer without HTML escaping, built without reflection (the answer
// is written on every request).
func (a Answer) Encode() []byte {
	size := 96 + len(a.ActionStatus) + len(a.ErrorInfo) // the keys and punctuation take 82 bytes
	for _, id := range a.Refused {
		size += len(id) + 3
	}
	b := make([]byte, 0, size)
	b = append(b, `{"ActionStatus":`...)
	b = jsonstr.Append(b, a.ActionStatus)
	b = append(b, `,"ErrorCode":`...)
	b = strconv.AppendInt(b, int64(a.ErrorCode), 10)
	b = append(b, `,"ErrorInfo":`...)
	b = jsonstr.Append(b, a.ErrorInfo)
	if len(a.Refused) > 0 {
		b = append(b, `,"RefusedSubscribers_Account":[`...)
		for i, id := range a.Refused {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonstr.Append(b, id)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}
