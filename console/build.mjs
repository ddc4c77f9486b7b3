// Bundles the console (src/) into dist/: app.js (Preact app, minified),
// app.css, index.html and THIRD_PARTY.txt (the bundled packages' licenses).
// The output depends only on the sources and the pinned package versions (no
// timestamps, no absolute paths), so `--check` can tell a stale dist/ from a
// fresh one, as `make check-gen` does for generated Go code.
//
//   node build.mjs dist          write dist/
//   node build.mjs --check dist  exit 1 when dist/ is not what the sources give
import * as esbuild from "esbuild";
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const check = args.includes("--check");
const out = join(here, args.filter((a) => a !== "--check")[0] ?? "dist");

const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints: { app: "src/main.tsx" },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["chrome109", "firefox115", "safari16"],
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "none", // the licenses are in THIRD_PARTY.txt
  charset: "utf8",
  sourcemap: false,
  write: false,
  outdir: "out",
  logLevel: "warning",
});

const files = new Map();
for (const f of result.outputFiles) files.set(f.path.slice(f.path.lastIndexOf("/") + 1), f.text);
files.set("index.html", readFileSync(join(here, "src/index.html"), "utf8"));

// The licenses of what the bundle contains (its runtime dependencies).
const pkg = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));
const deps = [...Object.keys(pkg.dependencies), "@dagrejs/graphlib", "openapi-typescript-helpers"].sort();
let notices = "Roster's console bundles these packages; their licenses follow.\n";
for (const name of deps) {
  const dir = join(here, "node_modules", name);
  const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const lic = ["LICENSE", "LICENSE.md", "LICENSE.txt", "license"].map((n) => join(dir, n)).find(existsSync);
  notices += `\n== ${name} ${meta.version} (${meta.license})\n\n` + (lic ? readFileSync(lic, "utf8").trim() + "\n" : "");
}
files.set("THIRD_PARTY.txt", notices);

let stale = [];
for (const [name, text] of [...files].sort()) {
  const path = join(out, name);
  if (check) {
    if (!existsSync(path) || readFileSync(path, "utf8") !== text) stale.push(name);
  } else {
    mkdirSync(out, { recursive: true });
    writeFileSync(path, text);
  }
}
if (stale.length) {
  console.error(`console: ${stale.join(", ")} in ${out} differ from what the sources give`);
  process.exit(1);
}
const js = files.get("app.js"), css = files.get("app.css");
const gz = (s) => gzipSync(Buffer.from(s), { level: 9 }).length;
console.log(`console: app.js ${(js.length / 1024).toFixed(1)} KiB (gzip ${(gz(js) / 1024).toFixed(1)} KiB), ` +
  `app.css ${(css.length / 1024).toFixed(1)} KiB (gzip ${(gz(css) / 1024).toFixed(1)} KiB)${check ? ": up to date" : ""}`);
