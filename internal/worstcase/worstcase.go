// Package worstcase makes the hostile webhook bodies that make bench times against encoding/json
// and that the gate's tests send through every entrypoint: each as long as the gate reads
// (gate.MaxBodyBytes), each built so that one step of reading or deciding a body repeats as often
// as a body can make it, with the policy they are decided by and the answer each gets.
//
// Only tests and make bench import it.
package worstcase

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/subgate/subgate/pkg/gate"
	"github.com/subgate/subgate/pkg/webhook"
)

// Policy is the policy the bodies are decided by (SUBGATE_POLICY): no max_subscribers, so that
// every subscriber of a request is decided, and patterns of each kind the policy files apart (a
// literal prefix, a literal suffix, neither), so that a long ID is matched against all of them.
const Policy = `default: allow
deny: ["jared", "banned_*", "*_bot", "*spam*"]
channels:
  "@TOA#_worst":
    deny: ["evil?*"]
`

// Channel is the Official Channel the bodies subscribe to (but for escapes, whose channel is one
// of its long strings).
const Channel = "@TOA#_worst"

// Shape is one worst-case body and what the gate answers it, under Policy.
type Shape struct {
	Name string
	// What says in a few words what the body holds, for the reports.
	What   string
	Body   []byte
	Status int
	Answer webhook.Answer
}

// Shapes are the worst-case bodies, each at most gate.MaxBodyBytes long and decided by the policy:
//
//   - keys: one object of about 100,000 keys (the body's own), each compared with the others;
//   - objects: about 50,000 small objects of three keys each;
//   - deep: as many values nested webhook.MaxDepth deep, the most allowed, as fit;
//   - escapes: the channel and a subscriber's ID each half a MiB of JSON escapes;
//   - escaped-keys: one object of about 95,000 short keys, each with an escape (encoding/json
//     decodes each, and the key is compared with the others without regard to case: among the
//     escapes are the Kelvin sign and ſ);
//   - subscribers: 100,000 subscribers, as many of them with an ID (every other one refused) as
//     fit, the rest {} (an empty ID, which is refused).
func Shapes() []Shape {
	return []Shape{keys(), objects(), deep(), escapes(), escapedKeys(), subscribers()}
}

// PastTheLimits are bodies one step past a limit of the wire format, for the tests: keys with its
// last key the first one again (in another case, through the Kelvin sign), deep nested one level
// more than webhook.MaxDepth allows. The gate refuses each 400.
func PastTheLimits() []Shape {
	dup := keysWithLast(`"\u212a0000":0`) // K, the Kelvin sign: the same key as k0000
	dup.Name, dup.What = "keys-repeated", "the keys body, its last key the first again (as \\u212a0000)"
	dup.Status, dup.Answer = http.StatusBadRequest, webhook.Failure("bad request body: an object has the same key twice")
	tooDeep := nested(webhook.MaxDepth + 1)
	tooDeep.Name, tooDeep.What = "deep-past-the-limit", fmt.Sprintf("values nested %d deep", webhook.MaxDepth+1)
	tooDeep.Status = http.StatusBadRequest
	tooDeep.Answer = webhook.Failure(fmt.Sprintf("bad request body: values are nested more than %d deep", webhook.MaxDepth))
	return []Shape{dup, tooDeep}
}

// head is every body's start: a valid request of two subscribers, the first of them refused; a
// body's filler follows it, then its closing brace.
const head = `{"CallbackCommand":"` + webhook.CommandBeforeAddSubscriber + `","Official_Account":"` + Channel +
	`","Operator_Account":"op","EventTime":1700000000000,` +
	`"SubscribeAccountList":[{"Subscriber_Account":"banned_1"},{"Subscriber_Account":"alice"}]`

// refusedFirst is the answer to a body that carries only head's subscribers.
var refusedFirst = webhook.Proceed([]string{"banned_1"})

// fill builds head, then ",", then as many of the items next makes as fit in gate.MaxBodyBytes with
// open before them and close after them, separated by commas, then close and "}". It returns the
// body and how many items it holds.
func fill(open, close string, next func(i int) string) ([]byte, int) {
	var b strings.Builder
	b.Grow(gate.MaxBodyBytes)
	b.WriteString(head)
	b.WriteString(",")
	b.WriteString(open)
	n := 0
	for ; ; n++ {
		item := next(n)
		if n > 0 {
			item = "," + item
		}
		if b.Len()+len(item)+len(close)+len("}") > gate.MaxBodyBytes {
			break
		}
		b.WriteString(item)
	}
	b.WriteString(close)
	b.WriteString("}")
	return []byte(b.String()), n
}

// key is the i-th of the keys body's keys: k and 4 base-36 digits, lower case, so no two are the
// same without regard to case.
func key(i int) string {
	s := strconv.FormatInt(int64(i), 36)
	return "k" + strings.Repeat("0", 4-len(s)) + s
}

func keys() Shape { return keysWithLast("") }

// keysWithLast is the keys body, with last as its last member when it is not "".
func keysWithLast(last string) Shape {
	body, n := fill("", "", func(i int) string { return `"` + key(i) + `":0` })
	if last != "" {
		// Drop members off the end until last fits before the closing brace.
		s := string(body[:len(body)-1])
		for len(s)+len(",")+len(last)+len("}") > gate.MaxBodyBytes {
			s = s[:strings.LastIndexByte(s, ',')]
			n--
		}
		body = []byte(s + "," + last + "}")
		n++
	}
	// The body's own object also holds head's five members.
	return Shape{Name: "keys", What: fmt.Sprintf("one object of %d keys", n+5), Body: body, Status: http.StatusOK, Answer: refusedFirst}
}

func objects() Shape {
	body, n := fill(`"Extra":[`, "]", func(int) string { return `{"a":0,"b":1,"c":2}` })
	return Shape{Name: "objects", What: fmt.Sprintf("%d objects of 3 keys", n), Body: body, Status: http.StatusOK, Answer: refusedFirst}
}

func deep() Shape { return nested(webhook.MaxDepth) }

// nested is a body of as many values nested depth deep, counting the body's own object, as fit:
// arrays and objects in turns.
func nested(depth int) Shape {
	// The body is level 1 and Extra's array level 2: each item nests depth-2 levels more.
	var open, close strings.Builder
	for level := 3; level <= depth; level++ {
		if level%2 == 1 {
			open.WriteString(`{"a":`)
			close.WriteString("}")
		} else {
			open.WriteString("[")
			close.WriteString("]")
		}
	}
	item := open.String() + "0" + reverse(close.String())
	body, n := fill(`"Extra":[`, "]", func(int) string { return item })
	return Shape{Name: "deep", What: fmt.Sprintf("%d values nested %d deep", n, depth), Body: body, Status: http.StatusOK, Answer: refusedFirst}
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// escapeRun is a run of JSON escapes of every kind (a two-character escape, a \u escape of a
// control character, of a letter, of a surrogate pair, and an escaped solidus) and what it decodes to.
const (
	escapeRun        = `\n\"\\\u0001\u00e9\ud83d\ude00\/\t`
	escapeRunDecoded = "\n\"\\\x01\u00e9\U0001F600/\t"
)

func escapes() Shape {
	// Half the room for each string, less what surrounds them.
	room := (gate.MaxBodyBytes - 200) / 2
	runs := room / len(escapeRun)
	channel := strings.Repeat(escapeRun, runs)
	id := strings.Repeat(escapeRun, runs-1) + "_bot"
	body := `{"CallbackCommand":"` + webhook.CommandBeforeAddSubscriber + `","Official_Account":"` + channel +
		`","Operator_Account":"op","SubscribeAccountList":[{"Subscriber_Account":"alice"},{"Subscriber_Account":"` + id + `"}]}`
	decodedID := strings.Repeat(escapeRunDecoded, runs-1) + "_bot"
	return Shape{Name: "escapes", What: fmt.Sprintf("two strings of %d escapes each", runs*9), Body: []byte(body),
		Status: http.StatusOK, Answer: webhook.Proceed([]string{decodedID})}
}

// keyEscapes begin the escaped-keys body's keys: escapes of runes that fold (the Kelvin sign, of
// k's class; ſ, of s's; é), of a control character, of the solidus and of a surrogate pair. Each is
// of another class without regard to case than the others, and than every key of head.
var keyEscapes = []string{`\u212a`, `\u017f`, `\u00e9`, `\n`, `\/`, `\ud83d\ude00`}

// escapedKey is the i-th of the escaped-keys body's keys: an escape, then base-36 digits.
func escapedKey(i int) string {
	return keyEscapes[i%len(keyEscapes)] + strconv.FormatInt(int64(i/len(keyEscapes)), 36)
}

func escapedKeys() Shape {
	body, n := fill("", "", func(i int) string { return `"` + escapedKey(i) + `":0` })
	return Shape{Name: "escaped-keys", What: fmt.Sprintf("one object of %d keys, each with an escape", n+5),
		Body: body, Status: http.StatusOK, Answer: refusedFirst}
}

// Subscribers is how many subscribers the subscribers body carries.
const Subscribers = 100_000

func subscribers() Shape {
	// Entries with an ID first, as many as leave room for the rest as {}.
	const prefix = `{"CallbackCommand":"` + webhook.CommandBeforeAddSubscriber + `","Official_Account":"` + Channel +
		`","Operator_Account":"op","SubscribeAccountList":[`
	withID := func(i int) (entry, id string) {
		if i%2 == 0 {
			id = fmt.Sprintf("banned_%05d", i)
		} else {
			id = fmt.Sprintf("user%05d", i)
		}
		return `{"Subscriber_Account":"` + id + `"}`, id
	}
	size := len(prefix) + len("]}") + 3*Subscribers - 1 // every entry {} and its comma
	n := 0
	for ; n < Subscribers; n++ {
		entry, _ := withID(n)
		if size+len(entry)-2 > gate.MaxBodyBytes {
			break
		}
		size += len(entry) - 2
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteString(prefix)
	var refused []string
	for i := range Subscribers {
		if i > 0 {
			b.WriteByte(',')
		}
		if i >= n {
			b.WriteString("{}")
			continue
		}
		entry, id := withID(i)
		b.WriteString(entry)
		if i%2 == 0 {
			refused = append(refused, id)
		}
	}
	b.WriteString("]}")
	if n < Subscribers {
		refused = append(refused, "")
	}
	return Shape{Name: "subscribers", What: fmt.Sprintf("%d subscribers, %d with an ID", Subscribers, n),
		Body: []byte(b.String()), Status: http.StatusOK, Answer: webhook.Proceed(refused)}
}
