# subgate — see README.md. `make run` starts the local server, `make test` runs every test.

GO        ?= go
DEMO_APPID ?= 1400000001
POLICY    ?= deploy/policy.example.yaml
ADDR      ?= 127.0.0.1:8080

.PHONY: all run test lint build clean

all: lint test

## run: the local webhook server on the example policy (http://127.0.0.1:8080)
run:
	SUBGATE_SDKAPPID=$(DEMO_APPID) SUBGATE_POLICY_FILE=$(POLICY) SUBGATE_ADDR=$(ADDR) $(GO) run ./functions/http

## test: every test, with the race detector
test:
	$(GO) test -race ./...

## lint: gofmt, go vet, go mod tidy (must leave no diff)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff

## build: every binary for this machine, into bin/
build:
	$(GO) build -o bin/ ./functions/...

clean:
	rm -rf bin dist

## package: every deployment zip into dist/ (POLICY= picks the policy bundled as policy.yaml)
.PHONY: package
package: package-scf package-lambda

PACK = $(GO) run ./deploy/pack

# --- Tencent SCF (functions/scf): package-scf builds dist/scf.zip and dist/scf-web.zip ---
# dist/scf.zip: the event function (handler main) for the console; dist/scf/ holds the same files
# for serverless.yml (src: ./dist/scf). dist/scf-web.zip and dist/scf-web/: the Web Function, whose
# scf_bootstrap starts the HTTP server. Unpacking the zips (with unzip) keeps their exec bits.
SCF_BUILD = CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags "-s -w"
.PHONY: package-scf
package-scf:
	rm -rf dist/scf dist/scf.zip dist/scf-web dist/scf-web.zip
	$(SCF_BUILD) -o dist/scf/main ./functions/scf
	$(PACK) -o dist/scf.zip -x main=dist/scf/main -policy $(POLICY)
	unzip -qo dist/scf.zip -d dist/scf
	$(SCF_BUILD) -o dist/scf-web/subgate ./functions/http
	$(PACK) -o dist/scf-web.zip -x scf_bootstrap=deploy/scf_bootstrap -x subgate=dist/scf-web/subgate -policy $(POLICY)
	unzip -qo dist/scf-web.zip -d dist/scf-web

# --- AWS Lambda (functions/lambda): package-lambda builds dist/lambda.zip ---
.PHONY: package-lambda
package-lambda:
