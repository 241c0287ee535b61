# subgate — see README.md. `make run` starts the local server, `make test` runs every test.

GO        ?= go
DEMO_APPID ?= 1400000001
POLICY    ?= deploy/policy.example.yaml
ADDR      ?= 127.0.0.1:8080

# Every binary reports its version (-version, and its start-up log line) from one place: the release
# in internal/version/VERSION, as it is for a build at that release's tag from a clean checkout
# (v0.1.0), else with the commit (v0.1.0+1b914b1c3e5f, .dirty with changes): internal/version makes
# the string from what git says here, linked in. VERSION=... sets the whole string instead, for a
# release pipeline whose clone has no tags (make package VERSION=v0.1.0). GO_LDFLAGS are the link
# flags of every build.
VERSION ?=
GIT_TAG := $(shell git describe --tags --exact-match HEAD 2>/dev/null)
GIT_COMMIT := $(shell git rev-parse HEAD 2>/dev/null)
GIT_DIRTY := $(if $(shell git status --porcelain 2>/dev/null),true)
VERSION_PKG = github.com/subgate/subgate/internal/version
GO_LDFLAGS = -s -w$(if $(VERSION), -X $(VERSION_PKG).version=$(VERSION),$(if $(GIT_COMMIT), -X $(VERSION_PKG).commit=$(GIT_COMMIT)$(if $(GIT_TAG), -X $(VERSION_PKG).tag=$(GIT_TAG))$(if $(GIT_DIRTY), -X $(VERSION_PKG).dirty=true)))

# Builds for this machine: make run, make build and make events.
LOCAL_BUILD = CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(GO_LDFLAGS)"

# The subgate command (cmd/subgate: check, test, eval, bundle a policy), run without installing it.
SUBGATE = $(GO) run ./cmd/subgate

.PHONY: all run test lint build clean fuzz

all: lint test

## run: the local webhook server (bin/http) on the example policy, as app DEMO_APPID at ADDR. Any
## SUBGATE_* variable you set wins over these (SUBGATE_POLICY replaces the policy file). The server
## is exec'd, so it is make's only child: SIGTERM or Ctrl-C to make stops it gracefully.
run:
	$(LOCAL_BUILD) -o bin/http ./functions/http
	@SUBGATE_SDKAPPID="$${SUBGATE_SDKAPPID:-$(DEMO_APPID)}"; SUBGATE_ADDR="$${SUBGATE_ADDR:-$(ADDR)}"; \
	if [ -z "$$SUBGATE_POLICY" ]; then SUBGATE_POLICY_FILE="$${SUBGATE_POLICY_FILE:-$(POLICY)}"; fi; \
	export SUBGATE_SDKAPPID SUBGATE_ADDR SUBGATE_POLICY_FILE; \
	exec bin/http

## test: the example policy's test cases (subgate test), then every Go test, with the race detector;
## the Lambda end-to-end test runs under the emulator in bin/, the store tests against a real S3
## server, versitygw in bin/
test: bin/aws-lambda-rie bin/versitygw
	$(SUBGATE) test deploy/policy.example.yaml deploy/policy_test.yaml
	SUBGATE_RIE=$(CURDIR)/bin/aws-lambda-rie SUBGATE_VERSITYGW=$(CURDIR)/bin/versitygw $(GO) test -race ./...

## fuzz: every fuzz target for FUZZTIME each (make test runs their seed corpora)
FUZZTIME ?= 30s
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$target"; \
	    $(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

## lint: gofmt, go vet, go mod tidy (must leave no diff), cfn-lint on template.yaml
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff
	@command -v cfn-lint >/dev/null || { echo "cfn-lint is missing: pip install cfn-lint (it checks template.yaml)"; exit 1; }
	cfn-lint template.yaml

## build: every binary for this machine, into bin/: the functions (bin/scf, bin/lambda, bin/http) and
## the subgate command (bin/subgate; without a build, $(SUBGATE) ARGS runs it)
build:
	$(LOCAL_BUILD) -o bin/ ./functions/... ./cmd/...

clean:
	rm -rf bin dist

## package: every deployment zip into dist/ (POLICY= picks the policy bundled as policy.yaml;
## POLICY_TEST= names a cases file the policy must pass first, as subgate test runs it)
# Each package target checks the policy (and runs its cases, with POLICY_TEST) before it compiles
# anything, builds the binaries into
# bin/linux_<arch>/ (where go install puts binaries built for another platform), and then pack
# writes each zip and folder of dist/ beside it and renames it into place: a failed build leaves
# dist/ as it was, never half written.
.PHONY: package
package: package-scf package-lambda

# POLICY_TEST: a cases file (subgate test); when set, a failing case stops make package before
# anything is built, and dist/ stays as it was.
POLICY_TEST ?=
TEST_POLICY = $(if $(POLICY_TEST),$(SUBGATE) test $(POLICY) $(POLICY_TEST))

PACK = $(GO) run ./deploy/pack

# --- Tencent SCF (functions/scf): package-scf builds dist/scf.zip and dist/scf-web.zip ---
# dist/scf.zip: the event function (handler main) for the console; dist/scf/ holds the same files
# for serverless.yml (src: ./dist/scf). dist/scf-web.zip and dist/scf-web/: the Web Function, whose
# scf_bootstrap starts the HTTP server. pack -dir lays each zip's files out with their exec bits.
SCF_BUILD = CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags "$(GO_LDFLAGS)"
SCF_BIN = bin/linux_amd64
.PHONY: package-scf
package-scf:
	$(PACK) -check -policy $(POLICY)
	$(TEST_POLICY)
	$(SCF_BUILD) -o $(SCF_BIN)/scf ./functions/scf
	$(SCF_BUILD) -o $(SCF_BIN)/http ./functions/http
	$(PACK) -o dist/scf.zip -dir dist/scf -x main=$(SCF_BIN)/scf -policy $(POLICY)
	$(PACK) -o dist/scf-web.zip -dir dist/scf-web -x scf_bootstrap=deploy/scf_bootstrap -x subgate=$(SCF_BIN)/http -policy $(POLICY)

# --- AWS Lambda (functions/lambda): package-lambda builds dist/lambda.zip ---
# dist/lambda.zip holds bootstrap (runtime provided.al2023, arm64 as template.yaml says; ARCH=amd64
# for x86_64) and the policy; dist/lambda/ the same files. build-WebhookFunction is sam build's
# target for template.yaml (BuildMethod: makefile): the same files, laid out by pack -dir in
# $(ARTIFACTS_DIR).
# bin/aws-lambda-rie is the Lambda Runtime Interface Emulator the end-to-end test runs bootstrap
# under; `make test` installs it and passes its path as SUBGATE_RIE.
ARCH ?= arm64
LAMBDA_BUILD = CGO_ENABLED=0 GOOS=linux GOARCH=$(ARCH) $(GO) build -tags lambda.norpc -trimpath -ldflags "$(GO_LDFLAGS)"
LAMBDA_BIN = bin/linux_$(ARCH)/lambda
RIE_MODULE = github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d
RIE = bin/aws-lambda-rie
.PHONY: package-lambda build-WebhookFunction
package-lambda:
	$(PACK) -check -policy $(POLICY)
	$(TEST_POLICY)
	$(LAMBDA_BUILD) -o $(LAMBDA_BIN) ./functions/lambda
	$(PACK) -o dist/lambda.zip -dir dist/lambda -x bootstrap=$(LAMBDA_BIN) -policy $(POLICY)

build-WebhookFunction: package-lambda
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set: sam build sets it (run sam build, or make package-lambda)"; exit 1; }
	$(PACK) -o dist/lambda.zip -dir "$(ARTIFACTS_DIR)" -x bootstrap=$(LAMBDA_BIN) -policy $(POLICY)

$(RIE):
	GOBIN=$(CURDIR)/bin $(GO) install $(RIE_MODULE)

# bin/versitygw: the Versity S3 Gateway (Apache-2.0), the real S3 server the store tests run on
# loopback (internal/teststore); about 90 s to build the first time.
bin/versitygw:
	GOBIN=$(CURDIR)/bin $(GO) install github.com/versity/versitygw/cmd/versitygw@v1.8.0

# --- Console events, locally (make events) ---
## events: build the SCF function and the Lambda bootstrap for this machine with the policy bundled
## as make package bundles it (POLICY=), send them deploy/events/*.json and the webhook bodies
## deploy/sample-request.json, deploy/sample-group-invite.json and deploy/sample-group-apply.json
## over their runtime protocols (scf-* events to SCF, lambda-* events to Lambda under the emulator,
## the webhook bodies to both) and print each answer with its log line; see docs/local.md.
EVENTS_DIR ?= bin/events
.PHONY: events
events: $(RIE)
	$(PACK) -check -policy $(POLICY)
	$(LOCAL_BUILD) -o $(EVENTS_DIR)/bin/scf ./functions/scf
	$(LOCAL_BUILD) -tags lambda.norpc -o $(EVENTS_DIR)/bin/lambda ./functions/lambda
	$(PACK) -o $(EVENTS_DIR)/scf.zip -dir $(EVENTS_DIR)/scf -x main=$(EVENTS_DIR)/bin/scf -policy $(POLICY)
	$(PACK) -o $(EVENTS_DIR)/lambda.zip -dir $(EVENTS_DIR)/lambda -x bootstrap=$(EVENTS_DIR)/bin/lambda -policy $(POLICY)
	$(GO) run ./deploy/invoke -scf $(EVENTS_DIR)/scf -lambda $(EVENTS_DIR)/lambda -rie $(RIE) -sdkappid $(DEMO_APPID) \
	  deploy/events/*.json deploy/sample-request.json deploy/sample-group-invite.json deploy/sample-group-apply.json

# --- Benchmarks (make bench) ---
## bench: what users pay, each figure beside a hello-world function built in the same run: warm
## invocations and cold starts through the real runtime protocols (SCF's net/rpc, the Lambda emulator
## in bin/), peak RSS, zip sizes, the live policy against versitygw in bin/ on loopback, and the Go
## benchmarks as information. It builds what it runs into a temporary folder (dist/ is not touched),
## binds only 127.0.0.1, prints each goal met or missed and writes bench/results.md (see
## docs/benchmarks.md). BENCH_FLAGS passes flags to bench/run: -starts, -invocations, -live-for,
## -count, -parts (go run ./bench/run -h). make test times nothing (it runs the benchmarks once each,
## -benchtime 1x, only to keep docs/benchmarks.md's commands working).
BENCH_FLAGS ?=
.PHONY: bench
bench: $(RIE) bin/versitygw
	SUBGATE_VERSITYGW=$(CURDIR)/bin/versitygw $(GO) run ./bench/run -o bench/results.md -rie $(RIE) $(BENCH_FLAGS)
