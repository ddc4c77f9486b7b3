#!/usr/bin/env bash
# Refreshes the Swagger UI assets that GET /docs serves (server/docsui/),
# from the pinned swagger-ui-dist package on npm. They are committed and
# embedded with go:embed, so the server never fetches anything at run time;
# run this only to change VERSION (then update INTEGRITY from `npm view
# swagger-ui-dist@VERSION dist.integrity`), and commit the result.
#
# Only the browser bundle, its stylesheet and the license files are kept:
# index.html and docs.js beside them are Roster's own.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=5.35.0
INTEGRITY=sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==
FILES=(swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE)
DEST=server/docsui

command -v npm >/dev/null || { echo "swagger-ui.sh: npm is required" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tgz=$(cd "$tmp" && npm pack --silent "swagger-ui-dist@$VERSION")
got=$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write("sha512-"+c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$tmp/$tgz")
if [ "$got" != "$INTEGRITY" ]; then
	echo "swagger-ui.sh: $tgz has integrity $got, want $INTEGRITY" >&2
	exit 1
fi
tar -xzf "$tmp/$tgz" -C "$tmp" "${FILES[@]/#/package/}"
mkdir -p "$DEST"
for f in "${FILES[@]}"; do
	cp "$tmp/package/$f" "$DEST/$f"
done
echo "swagger-ui.sh: swagger-ui-dist $VERSION → $DEST (${FILES[*]})"
