package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/subgate/subgate/bench/workload"
)

// policyCase is a policy laid out as make package lays it out, with the environment that loads it.
type policyCase struct {
	name string
	dir  string // policy.yaml and its list files (and whatever else pack writes)
	zip  string
}

func (p policyCase) env() map[string]string {
	return map[string]string{"SUBGATE_SDKAPPID": "1400000001", "SUBGATE_POLICY_FILE": filepath.Join(p.dir, "policy.yaml")}
}

// fixtures is everything the measurements run.
type fixtures struct {
	lambda, scf, http          string // subgate's binaries from dist/
	helloLambda, helloSCF      string // the hello worlds, built now with the same flags
	policies                   []policyCase
	lambdaEvent, scfEvent      []byte // the console events: the sample request
	lambdaLarge, scfLarge      []byte // the same events carrying 100 subscribers
	sampleBody, largeBody      []byte
	sampleRefused, largeRefuse []string
	sizes                      []sizeRow
}

type sizeRow struct {
	what  string
	bytes int64
}

func prepare(tmp, dist string) (*fixtures, error) {
	fx := &fixtures{
		lambda: abs(filepath.Join(dist, "lambda", "bootstrap")),
		scf:    abs(filepath.Join(dist, "scf", "main")),
		http:   abs(filepath.Join(dist, "scf-web", "subgate")),
	}
	for _, bin := range []string{fx.lambda, fx.scf, fx.http} {
		if _, err := os.Stat(bin); err != nil {
			return nil, fmt.Errorf("%w: run make package ARCH=$(go env GOARCH) first (make bench does)", err)
		}
	}
	fx.helloLambda = filepath.Join(tmp, "hello-lambda", "bootstrap")
	fx.helloSCF = filepath.Join(tmp, "hello-scf", "main")
	pack := filepath.Join(tmp, "pack")
	builds := [][]string{
		{"build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", fx.helloLambda, "./bench/hello/lambda"},
		{"build", "-trimpath", "-ldflags", "-s -w", "-o", fx.helloSCF, "./bench/hello/scf"},
		{"build", "-o", pack, "./deploy/pack"},
	}
	for _, args := range builds {
		if err := goCmd(args...); err != nil {
			return nil, err
		}
	}

	textPolicy, inlinePolicy, err := workload.WritePolicies(tmp)
	if err != nil {
		return nil, err
	}
	for _, c := range []struct{ name, file string }{
		{"example policy", "deploy/policy.example.yaml"},
		{"100,000-entry list file", textPolicy},
		{"100,000 entries inline in YAML", inlinePolicy},
	} {
		pc := policyCase{name: c.name, dir: filepath.Join(tmp, fmt.Sprintf("policy%d", len(fx.policies))), zip: filepath.Join(tmp, fmt.Sprintf("policy%d.zip", len(fx.policies)))}
		cmd := exec.Command(pack, "-o", pc.zip, "-dir", pc.dir, "-x", "bootstrap="+fx.lambda, "-policy", c.file)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("pack %s: %w", c.file, err)
		}
		fx.policies = append(fx.policies, pc)
	}

	if fx.lambdaEvent, err = os.ReadFile("deploy/events/lambda-http-api.json"); err != nil {
		return nil, err
	}
	if fx.scfEvent, err = os.ReadFile("deploy/events/scf-function-url.json"); err != nil {
		return nil, err
	}
	if fx.sampleBody, err = os.ReadFile("deploy/sample-request.json"); err != nil {
		return nil, err
	}
	fx.sampleRefused = []string{"jared"}
	fx.largeBody, fx.largeRefuse = workload.LargeRequest()
	if fx.lambdaLarge, err = withBody(fx.lambdaEvent, fx.largeBody); err != nil {
		return nil, err
	}
	if fx.scfLarge, err = withBody(fx.scfEvent, fx.largeBody); err != nil {
		return nil, err
	}

	for _, s := range []struct{ what, path string }{
		{"dist/scf.zip (example policy)", filepath.Join(dist, "scf.zip")},
		{"dist/scf-web.zip (example policy)", filepath.Join(dist, "scf-web.zip")},
		{"dist/lambda.zip (example policy)", filepath.Join(dist, "lambda.zip")},
		{"lambda.zip with the 100,000-entry list file", fx.policies[1].zip},
		{"lambda.zip with the 100,000 entries inline", fx.policies[2].zip},
		{"dist/scf/main (unzipped)", fx.scf},
		{"dist/lambda/bootstrap (unzipped)", fx.lambda},
		{"dist/scf-web/subgate (unzipped)", fx.http},
		{"hello world, scf-go-lib (unzipped)", fx.helloSCF},
		{"hello world, aws-lambda-go (unzipped)", fx.helloLambda},
	} {
		info, err := os.Stat(s.path)
		if err != nil {
			return nil, err
		}
		fx.sizes = append(fx.sizes, sizeRow{s.what, info.Size()})
	}
	return fx, nil
}

// withBody returns an HTTP event with its body replaced.
func withBody(event, body []byte) ([]byte, error) {
	var e map[string]any
	if err := json.Unmarshal(event, &e); err != nil {
		return nil, err
	}
	e["body"] = string(body)
	return json.Marshal(e)
}

func goCmd(args ...string) error {
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

func abs(path string) string {
	a, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	return a
}
