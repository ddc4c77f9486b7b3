# Roster's build. `make run` serves on :8080; `make test` is what CI runs.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

GO       ?= go
BIN      := bin/roster
# Packages whose code oapi-codegen writes from openapi.yaml, each with its cfg.yaml.
GEN_PKGS := gen client
# go-sqlite3 is cgo.
export CGO_ENABLED := 1

.PHONY: gen check-gen build run test lint bench clean

## gen: regenerate gen/ and client/ from openapi.yaml
gen:
	$(GO) generate ./gen ./client

## check-gen: fail when the committed generated code is not what openapi.yaml gives
check-gen:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for pkg in $(GEN_PKGS); do \
		out=$$(sed -n 's/^output: *//p' $$pkg/cfg.yaml); \
		mkdir -p "$$tmp/want/$$pkg" "$$tmp/have/$$pkg"; \
		sed "s|^output:.*|output: $$tmp/want/$$pkg/$$out|" $$pkg/cfg.yaml > "$$tmp/$$pkg.cfg.yaml"; \
		$(GO) tool oapi-codegen -config "$$tmp/$$pkg.cfg.yaml" openapi.yaml; \
		cp $$pkg/*.gen.go "$$tmp/have/$$pkg/"; \
	done; \
	if ! diff -r "$$tmp/have" "$$tmp/want" > "$$tmp/diff"; then \
		head -n 40 "$$tmp/diff"; \
		echo "check-gen: generated code is stale: run 'make gen' and commit the result" >&2; \
		exit 1; \
	fi; \
	echo "check-gen: generated code is up to date"

## build: build bin/roster
build:
	$(GO) build -o $(BIN) ./server/cmd/roster

## run: build, then serve on :8080 with ./roster.db (ROSTER_* variables apply)
run: build
	./$(BIN) serve $(ARGS)

## test: generated code check, vet, then every test with the race detector
test: check-gen
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 8m ./...

## lint: gofmt and vet
lint:
	@unformatted=$$(find . -name '*.go' -not -path './.git/*' -not -path '*/node_modules/*' -print0 | xargs -0 gofmt -l); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:" >&2; echo "$$unformatted" >&2; exit 1; fi
	$(GO) vet ./...

## bench: the engine's Go benchmarks, then the HTTP load benchmark (BENCH_ARGS=-quick for a smoke run)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./internal/eval/
	$(GO) run ./scripts/bench $(BENCH_ARGS)

clean:
	rm -rf bin
