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
# dist/lambda.zip holds bootstrap (runtime provided.al2023, arm64 as template.yaml says; ARCH=amd64
# for x86_64) and the policy. build-WebhookFunction is sam build's target for template.yaml
# (BuildMethod: makefile): the same zip, unpacked (unzip keeps the exec bit) into $(ARTIFACTS_DIR).
# bin/aws-lambda-rie is the Lambda Runtime Interface Emulator the end-to-end test runs bootstrap
# under; `make test` installs it and passes its path as SUBGATE_RIE.
ARCH ?= arm64
LAMBDA_BUILD = CGO_ENABLED=0 GOOS=linux GOARCH=$(ARCH) $(GO) build -tags lambda.norpc -trimpath -ldflags "-s -w"
RIE_MODULE = github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d
RIE = bin/aws-lambda-rie
.PHONY: package-lambda build-WebhookFunction
package-lambda:
	rm -rf dist/lambda dist/lambda.zip
	$(LAMBDA_BUILD) -o dist/lambda/bootstrap ./functions/lambda
	$(PACK) -o dist/lambda.zip -x bootstrap=dist/lambda/bootstrap -policy $(POLICY)

build-WebhookFunction: package-lambda
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set: sam build sets it (run sam build, or make package-lambda)"; exit 1; }
	unzip -qo dist/lambda.zip -d "$(ARTIFACTS_DIR)"

$(RIE):
	GOBIN=$(CURDIR)/bin $(GO) install $(RIE_MODULE)
