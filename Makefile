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

.PHONY: fmt-check gen check-gen build run test lint lint-spec bench clean

## gen: regenerate gen/ and client/ from openapi.yaml (gen/ also embeds a copy of it), the TypeScript types and the console bundle
gen: gen-ts gen-console
	$(GO) generate ./gen ./client

## check-gen: fail when the committed generated code is not what openapi.yaml gives
check-gen: check-gen-ts check-gen-console
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
	if ! cmp -s openapi.yaml gen/openapi.yaml; then \
		echo "check-gen: gen/openapi.yaml differs from openapi.yaml: run 'make gen' and commit the result" >&2; \
		exit 1; \
	fi; \
	echo "check-gen: generated code is up to date"

## build: build bin/roster
build:
	$(GO) build -o $(BIN) ./server/cmd/roster

## run: build, then serve on :8080 with ./roster.db (ROSTER_* variables apply)
run: build
	./$(BIN) serve $(ARGS)

## test: generated code check, spec lint, gofmt, vet, then every test with the race detector
test: check-gen lint-spec ts-client fmt-check
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 8m ./...
	$(MAKE) --no-print-directory fuzz

## lint: gofmt, vet and the spec lint
lint: lint-spec fmt-check
	$(GO) vet ./...

## fmt-check: fail when gofmt would change a Go file
fmt-check:
	@unformatted=$$(find . -name '*.go' -not -path './.git/*' -not -path '*/node_modules/*' -print0 | xargs -0 gofmt -l); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:" >&2; echo "$$unformatted" >&2; exit 1; fi

## lint-spec: lint openapi.yaml with Spectral (pinned in scripts/lint) and scripts/lint/.spectral.yaml; npm is required
lint-spec:
	scripts/lint/lint.sh

## bench: the engine's Go benchmarks, point-in-time checks on a year of history, then the HTTP load benchmark (BENCH_ARGS=-quick for a smoke run;
## DB=postgres runs it on PostgreSQL: $$ROSTER_BENCH_POSTGRES, else a throwaway local server)
DB ?= sqlite
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./internal/eval/
	$(GO) test -run '^$$' -bench 'CheckAt' -benchtime 2000x ./server/
	$(GO) run ./scripts/bench -db $(DB) $(BENCH_ARGS)

clean:
	rm -rf bin

# The TypeScript client (scripts/ts): a second, independent client typed from
# openapi.yaml. Node 18.17+ and npm are required; missing, the targets fail.
TS_DIR := scripts/ts

.PHONY: ts-deps gen-ts check-gen-ts ts-client

## ts-deps: npm ci in scripts/ts, skipped while node_modules matches package-lock.json
ts-deps:
	@command -v node >/dev/null && command -v npm >/dev/null || { \
		echo "ts-deps: node and npm are required (Node 18.17+): make test runs the TypeScript client" >&2; exit 1; }
	@cmp -s $(TS_DIR)/package-lock.json $(TS_DIR)/node_modules/.installed-lock || { \
		cd $(TS_DIR) && npm ci --no-audit --no-fund && cp package-lock.json node_modules/.installed-lock; }

## gen-ts: regenerate scripts/ts/src/roster.d.ts from openapi.yaml
gen-ts: ts-deps
	cd $(TS_DIR) && npm run --silent gen

## check-gen-ts: fail when scripts/ts/src/roster.d.ts is not what openapi.yaml gives
check-gen-ts: ts-deps
	@cd $(TS_DIR) && npm run --silent check-gen || { \
		echo "check-gen: scripts/ts/src/roster.d.ts is stale: run 'make gen' and commit the result" >&2; exit 1; }

## ts-client: run the README quick start with the TypeScript client against a fresh bin/roster
ts-client: build ts-deps
	bash $(TS_DIR)/run-live.sh $(BIN)

# Fuzzing. The seed corpora (testdata/fuzz/<target>/) run with every go test;
# this explores beyond them, FUZZTIME per target (5 targets: about 20 s).
FUZZTIME ?= 4s
FUZZ_TARGETS := ./internal/rbac:FuzzGrants ./internal/rbac:FuzzValidPermission \
	./internal/rbac:FuzzValidRoleName ./internal/rbac:FuzzValidTenantID ./server:FuzzWriteBodies

.PHONY: fuzz

# Go's fuzzer sometimes reports "context deadline exceeded" when -fuzztime ends while a
# worker is still busy (seen on a loaded 2-core machine): no input failed, so that one
# case runs again, once; any failing input fails at once.
## fuzz: run each fuzz target for FUZZTIME (a failing input is saved under its testdata/fuzz)
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz: $$name in $$pkg for $(FUZZTIME)"; \
		for try in 1 2; do \
			out=$$($(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg 2>&1) && { echo "$$out"; break; }; \
			echo "$$out"; \
			if [ $$try = 2 ] || ! grep -q 'context deadline exceeded' <<<"$$out" || grep -q 'Failing input' <<<"$$out"; then exit 1; fi; \
			echo "fuzz: $$name timed out without a failing input; once more"; \
		done; \
	done

# The web console (console/): a Preact app typed by scripts/ts/src/roster.d.ts,
# bundled by esbuild into console/dist, which the binary embeds (package
# console). The bundle is committed like generated Go code: check-gen fails
# when it is not what the sources give. The browser tests (console/e2e) run
# with go test and need Chromium (/usr/bin/chromium; .ci/run installs it).
CONSOLE_DIR := console

.PHONY: console-deps gen-console check-gen-console

## console-deps: npm ci in console/, skipped while node_modules matches package-lock.json
console-deps:
	@command -v node >/dev/null && command -v npm >/dev/null || { \
		echo "console-deps: node and npm are required (Node 18.17+) to build the console" >&2; exit 1; }
	@cmp -s $(CONSOLE_DIR)/package-lock.json $(CONSOLE_DIR)/node_modules/.installed-lock || { \
		cd $(CONSOLE_DIR) && npm ci --no-audit --no-fund && cp package-lock.json node_modules/.installed-lock; }

## gen-console: type-check the console and bundle it into console/dist (prints its gzipped size)
gen-console: console-deps
	cd $(CONSOLE_DIR) && npm run --silent build

## check-gen-console: fail when the console does not type-check or console/dist is stale
check-gen-console: console-deps
	@cd $(CONSOLE_DIR) && npm run --silent check-build || { \
		echo "check-gen: console/dist is stale: run 'make gen' and commit the result" >&2; exit 1; }

.PHONY: console-screenshots

## console-screenshots: rerun the console's browser tests, saving the README's screenshots into docs/console
console-screenshots:
	mkdir -p docs/console
	ROSTER_CONSOLE_SCREENSHOTS=$(CURDIR)/docs/console $(GO) test -count=1 -run 'TestConsoleFlow|TestConsoleHistoryPointInTimeImpact' ./console/e2e/
