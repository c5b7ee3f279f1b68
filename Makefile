# The two commands a newcomer needs:
#   make synth   set up and synthesize every stack offline (no cloud account needed)
#   make test    run every test
SHELL := /bin/bash
GO ?= go
STATICCHECK_VERSION := v0.8.2
FUZZTIME ?= 10s
SYNTH_OUT ?= synth.out

.PHONY: all build synth validate test unit fuzz lint golden clean

all: build

build:
	$(GO) build ./...
	$(GO) build -o bin/sovereign ./cmd/sovereign

# Validate every stack's config, then write each stack's resource graph to $(SYNTH_OUT)/<stack>.json.
synth: build
	bin/sovereign validate --all
	bin/sovereign synth --all --out $(SYNTH_OUT)

validate: build
	bin/sovereign validate --all

# vet, every unit/component/golden test, and a short fuzz of the config loader.
test: unit fuzz

unit:
	$(GO) vet ./...
	$(GO) test ./...

fuzz:
	$(GO) test ./pkg/config -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

# Rewrite testdata/synth/*.json after an intended change to the resource graph; review the diff.
golden:
	$(GO) test ./pkg/program -run TestGolden -update

clean:
	rm -rf bin $(SYNTH_OUT)
