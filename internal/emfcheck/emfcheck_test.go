package emfcheck

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var now = time.UnixMilli(1767225600000)

func TestCheckAcceptsTheSpecificationsExample(t *testing.T) {
	line := `{"_aws":{"Timestamp":1767225600000,"CloudWatchMetrics":[{"Namespace":"subgate","Dimensions":[["Outcome"],[]],` +
		`"Metrics":[{"Name":"Requests","Unit":"Count"},{"Name":"Duration","Unit":"Milliseconds"}]}]},` +
		`"Outcome":"refused","Requests":1,"Duration":3.2,"outcome":"refused"}`
	metrics, err := Check([]byte(line), now)
	require.NoError(t, err)
	assert.Equal(t, []Metric{
		{Namespace: "subgate", Name: "Requests", Unit: "Count", Dimensions: [][]string{{"Outcome"}, {}}, Value: 1},
		{Namespace: "subgate", Name: "Duration", Unit: "Milliseconds", Dimensions: [][]string{{"Outcome"}, {}}, Value: 3.2},
	}, metrics)

	metrics, err = Check([]byte(`{"msg":"started"}`), now)
	require.NoError(t, err)
	assert.Nil(t, metrics, "a line without _aws is no document")
}

// Each broken document is refused, naming what is wrong: a check that let one through would let a
// line CloudWatch drops silently pass the tests.
func TestCheckRefuses(t *testing.T) {
	const good = `{"_aws":{"Timestamp":1767225600000,"CloudWatchMetrics":[{"Namespace":"subgate","Dimensions":[["Outcome"],[]],"Metrics":[{"Name":"Requests","Unit":"Count"}]}]},"Outcome":"allowed","Requests":1}`
	_, err := Check([]byte(good), now)
	require.NoError(t, err)
	tests := []struct{ name, from, to, want string }{
		{"EmptyDimensions", `"Dimensions":[["Outcome"],[]]`, `"Dimensions":[]`, "at least one dimension set"},
		{"DimensionNotOnRoot", `"Outcome":"allowed",`, ``, "dimension Outcome has no string member"},
		{"IntegerDimension", `"Outcome":"allowed"`, `"Outcome":3`, "dimension Outcome has no string member"},
		{"MetricNotOnRoot", `,"Requests":1}`, `}`, "metric Requests: its member is <nil>"},
		{"MetricNotANumber", `"Requests":1}`, `"Requests":"1"}`, "not a number"},
		{"BadUnit", `"Unit":"Count"`, `"Unit":"count"`, "Unit count is not one"},
		{"MillisecondsMisspelt", `"Unit":"Count"`, `"Unit":"Millisecond"`, "Unit Millisecond is not one"},
		{"NoNamespace", `"Namespace":"subgate",`, ``, "Namespace <nil>"},
		{"AWSNamespace", `"Namespace":"subgate"`, `"Namespace":"AWS/Lambda"`, "not a valid namespace"},
		{"TimestampInSeconds", `1767225600000`, `1767225600`, "not within 14 days"},
		{"TimestampAsString", `"Timestamp":1767225600000`, `"Timestamp":"1767225600000"`, "Timestamp is missing or not a number"},
		{"NoMetrics", `"Metrics":[{"Name":"Requests","Unit":"Count"}]`, `"Metrics":[]`, "1 to 100 metrics"},
		{"UnknownDirectiveKey", `"Namespace":"subgate",`, `"Namespace":"subgate","Dimension":[],`, `unknown member "Dimension"`},
		{"BadResolution", `"Unit":"Count"`, `"Unit":"Count","StorageResolution":30`, "StorageResolution 30"},
		{"TrailingText", `"Requests":1}`, `"Requests":1} x`, "more after the JSON object"},
		{"Indented", `{"_aws":`, "{\n\"_aws\":", "line break"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Contains(t, good, tt.from)
			_, err := Check([]byte(strings.Replace(good, tt.from, tt.to, 1)), now)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
