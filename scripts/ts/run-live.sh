#!/usr/bin/env bash
# Runs the TypeScript quick start (src/quickstart.ts) against a real server:
# starts ROSTER_BIN on a free loopback port with a fresh SQLite database and a
# fixed operator token, compiles and runs the program, and stops the server.
# `make ts-client` runs it after `npm ci`; it fails, never skips, when node is
# missing or anything goes wrong.
#
#   scripts/ts/run-live.sh bin/roster
set -euo pipefail

bin=$(realpath "${1:?usage: run-live.sh PATH/TO/roster}")
here=$(cd "$(dirname "$0")" && pwd)
command -v node >/dev/null || { echo "ts-client: node is required (Node 18.17+), see scripts/ts/README.md" >&2; exit 1; }

tmp=$(mktemp -d)
pid=
stop() {
	if [[ -n $pid ]]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap stop EXIT
fail() {
	echo "ts-client: $*" >&2
	echo "--- server log (last 30 lines) ---" >&2
	tail -n 30 "$tmp/server.log" >&2 || true
	exit 1
}

# Compile first: a type error against the generated roster.d.ts fails the run
# before any server starts.
(cd "$here" && node node_modules/typescript/bin/tsc -p .)

# A free port from the kernel; the short window until the server binds it is
# harmless on a loopback address nobody else is racing for.
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
token=ts-quickstart-operator-token-0123456789
ROSTER_BOOTSTRAP_TOKEN=$token "$bin" serve --addr "127.0.0.1:$port" --db "sqlite:$tmp/roster.db" \
	--log-format text >"$tmp/server.log" 2>&1 &
pid=$!

# The server listens only once the database is migrated and bootstrapped.
for ((i = 0; ; i++)); do
	kill -0 "$pid" 2>/dev/null || { pid=; fail "the server exited before listening"; }
	(: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	((i < 200)) || fail "the server did not listen on 127.0.0.1:$port within 10 s"
	sleep 0.05
done

ROSTER_SERVER="http://127.0.0.1:$port" ROSTER_TOKEN=$token QUICKSTART_TENANT=acme \
	node "$here/dist/quickstart.js" || fail "the TypeScript quick start failed"
