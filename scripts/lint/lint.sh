#!/usr/bin/env bash
# Lints openapi.yaml with Spectral (pinned in package-lock.json, installed
# with `npm ci`) and the ruleset .spectral.yaml beside this file; any warning
# fails. Then checks that every custom rule (and every OWASP rule redefined
# in .spectral.yaml) still reports its case in testdata/broken.yaml. Run by `make lint-spec`. npm is required: without
# it this fails rather than skips.
set -euo pipefail
cd "$(dirname "$0")"
export SCARF_ANALYTICS=false

if ! command -v npm >/dev/null; then
	echo "lint-spec: npm is required to lint openapi.yaml (install Node.js 20+ and npm)" >&2
	exit 1
fi
# npm ci wipes node_modules: run it only when the lock file changed since.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.package-lock.json
fi
spectral=node_modules/.bin/spectral

"$spectral" lint ../../openapi.yaml --ruleset .spectral.yaml --fail-severity=warn

out=$("$spectral" lint testdata/broken.yaml --ruleset .spectral.yaml --fail-severity=warn -f text 2>&1 || true)
# The roster-* rules, and the OWASP rules redefined here (a block, not a severity).
rules=$(sed -n 's/^  \(roster-[a-z-]*\|owasp:[a-z0-9:-]*\):$/\1/p' .spectral.yaml)
[ -n "$rules" ] || { echo "lint-spec: found no roster-* rules in .spectral.yaml" >&2; exit 1; }
missing=0
for rule in $rules; do
	if ! grep -q " $rule " <<<"$out"; then
		echo "lint-spec: rule $rule no longer reports its case in testdata/broken.yaml" >&2
		missing=1
	fi
done
if [ "$missing" -ne 0 ]; then
	echo "$out" >&2
	exit 1
fi
echo "lint-spec: openapi.yaml passes; each of the $(wc -w <<<"$rules") custom or redefined rules catches its broken case"
