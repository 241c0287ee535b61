// Package hello holds the hello-world functions subgate's cold start is measured against: the
// least function each platform library can run (bench/hello/lambda with aws-lambda-go,
// bench/hello/scf with scf-go-lib), each answering a fixed Function URL response.
package hello

// Answer is what both hello-world functions answer: the shape of subgate's HTTP answer, fixed.
const Answer = `{"statusCode":200,"headers":{"Content-Type":"application/json; charset=utf-8"},"body":"{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\"}"}`
