// Package emfcheck holds a log line to the CloudWatch Embedded Metric Format specification
// (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html,
// its JSON schema, and the stricter rules of AWS's own EMF libraries), so that tests can check
// every line a function writes. CloudWatch drops an invalid document without a word (it only
// counts it in AWS/Logs EMFValidationErrors), so nothing short of this check would tell.
//
// Only tests import it.
package emfcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Units are the units the specification's schema allows.
var Units = []string{"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
	"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second",
	"Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
	"Gigabits/Second", "Terabits/Second", "Count/Second", "None"}

// MaxEventBytes is the size a log event may have (the older copies of the specification say
// 256 KB, the current one 1 MB: the smaller is held to).
const MaxEventBytes = 256 << 10

// Metric is one metric a document declares, with the dimension sets it is declared under.
type Metric struct {
	Namespace  string
	Name       string
	Unit       string
	Dimensions [][]string
	Value      float64 // its value on the line (the first, for an array)
}

// Check returns the metrics a line declares, or why it is not a valid EMF document written at now.
// A line without "_aws" is not a document: Check returns nil, nil.
func Check(line []byte, now time.Time) ([]Metric, error) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	if len(line) > MaxEventBytes {
		return nil, fmt.Errorf("the event is %d bytes, over %d", len(line), MaxEventBytes)
	}
	if bytes.ContainsAny(line, "\n\r") {
		return nil, errors.New("the line holds a line break: each line is a separate event")
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if dec.More() {
		return nil, errors.New("more after the JSON object")
	}
	raw, ok := root["_aws"]
	if !ok {
		return nil, nil
	}
	aws, ok := raw.(map[string]any)
	if !ok {
		return nil, errors.New("_aws is not an object")
	}
	if err := knownKeys(aws, "_aws", "Timestamp", "CloudWatchMetrics"); err != nil {
		return nil, err
	}
	ts, ok := aws["Timestamp"].(json.Number)
	if !ok {
		return nil, errors.New("_aws.Timestamp is missing or not a number")
	}
	ms, err := ts.Int64()
	if err != nil || ms < 0 {
		return nil, fmt.Errorf("_aws.Timestamp %s is not a whole number of milliseconds", ts)
	}
	if at := time.UnixMilli(ms); at.Before(now.Add(-14*24*time.Hour)) || at.After(now.Add(2*time.Hour)) {
		return nil, fmt.Errorf("_aws.Timestamp %s is not within 14 days before and 2 hours after now", at.UTC())
	}
	directives, ok := aws["CloudWatchMetrics"].([]any)
	if !ok {
		return nil, errors.New("_aws.CloudWatchMetrics is missing or not an array")
	}
	var out []Metric
	for i, d := range directives {
		found, err := directive(root, d)
		if err != nil {
			return nil, fmt.Errorf("_aws.CloudWatchMetrics[%d]: %w", i, err)
		}
		out = append(out, found...)
	}
	return out, nil
}

func directive(root map[string]any, raw any) ([]Metric, error) {
	d, ok := raw.(map[string]any)
	if !ok {
		return nil, errors.New("not an object")
	}
	if err := knownKeys(d, "the directive", "Namespace", "Dimensions", "Metrics"); err != nil {
		return nil, err
	}
	ns, ok := d["Namespace"].(string)
	if !ok || !validNamespace(ns) {
		return nil, fmt.Errorf("Namespace %v is missing or not a valid namespace", d["Namespace"])
	}
	sets, ok := d["Dimensions"].([]any)
	if !ok || len(sets) == 0 {
		return nil, errors.New("Dimensions must be an array of at least one dimension set")
	}
	var dimensions [][]string
	for _, rawSet := range sets {
		set, ok := rawSet.([]any)
		if !ok || len(set) > 30 {
			return nil, errors.New("a dimension set must be an array of at most 30 keys")
		}
		keys := []string{}
		for _, rawKey := range set {
			key, ok := rawKey.(string)
			if !ok || key == "" || len(key) > 250 || key[0] == ':' || !printableASCII(key) {
				return nil, fmt.Errorf("dimension key %v is not 1 to 250 printable ASCII characters", rawKey)
			}
			value, ok := root[key].(string)
			if !ok {
				return nil, fmt.Errorf("dimension %s has no string member on the root (%v)", key, root[key])
			}
			if value == "" || len(value) > 1024 || !printableASCII(value) {
				return nil, fmt.Errorf("dimension %s's value %q is not 1 to 1024 printable ASCII characters", key, value)
			}
			keys = append(keys, key)
		}
		dimensions = append(dimensions, keys)
	}
	list, ok := d["Metrics"].([]any)
	if !ok || len(list) == 0 || len(list) > 100 {
		return nil, errors.New("Metrics must be an array of 1 to 100 metrics")
	}
	var out []Metric
	for _, rawMetric := range list {
		m, ok := rawMetric.(map[string]any)
		if !ok {
			return nil, errors.New("a metric is not an object")
		}
		if err := knownKeys(m, "a metric", "Name", "Unit", "StorageResolution"); err != nil {
			return nil, err
		}
		name, ok := m["Name"].(string)
		if !ok || name == "" || len(name) > 1024 {
			return nil, fmt.Errorf("metric Name %v is missing or not 1 to 1024 characters", m["Name"])
		}
		unit := "None"
		if u, present := m["Unit"]; present {
			if unit, ok = u.(string); !ok || !slices.Contains(Units, unit) {
				return nil, fmt.Errorf("metric %s: Unit %v is not one the specification allows", name, u)
			}
		}
		if r, present := m["StorageResolution"]; present {
			if n, ok := r.(json.Number); !ok || (n.String() != "1" && n.String() != "60") {
				return nil, fmt.Errorf("metric %s: StorageResolution %v is neither 1 nor 60", name, r)
			}
		}
		value, err := metricValue(root[name])
		if err != nil {
			return nil, fmt.Errorf("metric %s: %w", name, err)
		}
		out = append(out, Metric{Namespace: ns, Name: name, Unit: unit, Dimensions: dimensions, Value: value})
	}
	return out, nil
}

// metricValue is a metric's value on the root: a finite number, or an array of 1 to 100 of them.
func metricValue(v any) (float64, error) {
	number := func(v any) (float64, error) {
		n, ok := v.(json.Number)
		if !ok {
			return 0, fmt.Errorf("its member is %v, not a number", v)
		}
		f, err := n.Float64()
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return 0, fmt.Errorf("its value %s is not a finite number", n)
		}
		return f, nil
	}
	if list, ok := v.([]any); ok {
		if len(list) == 0 || len(list) > 100 {
			return 0, errors.New("its array holds no value or more than 100")
		}
		first := 0.0
		for i, item := range list {
			f, err := number(item)
			if err != nil {
				return 0, err
			}
			if i == 0 {
				first = f
			}
		}
		return first, nil
	}
	return number(v)
}

func knownKeys(m map[string]any, what string, known ...string) error {
	for key := range m {
		if !slices.Contains(known, key) {
			return fmt.Errorf("%s has an unknown member %q", what, key)
		}
	}
	return nil
}

// validNamespace is AWS's libraries' rule: 1 to 256 of letters, digits and . _ # : / -, and the
// PutMetricData rule: not starting with "AWS/".
func validNamespace(s string) bool {
	if s == "" || len(s) > 256 || len(s) >= 4 && s[:4] == "AWS/" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || bytes.IndexByte([]byte("._#:/-"), c) >= 0) {
			return false
		}
	}
	return true
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
