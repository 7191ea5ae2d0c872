#!/usr/bin/env bash
# Experiment, not the shipped build: bundles the built CLI (packages/cli/dist/bin.js and everything
# it imports, @wharf/* and npm packages) with esbuild into ESM chunks, one per lazily imported
# command module, under bench/results/startup/bundle/dist (git-ignored; inside the repository so
# that the remaining runtime requires, better-sqlite3 and the spdx packages, still resolve).
# Prints the bundled bin.js; time it with `bench/startup/run.sh --bin <that path>`.
# Usage: bench/startup/bundle.sh   (after `npx tsc -b packages/cli`)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=bench/results/startup/bundle
rm -rf "$OUT" && mkdir -p "$OUT"
# version.ts reads ../package.json next to its module.
cp packages/cli/package.json "$OUT/package.json"
# ESM output has no `require`; CommonJS packages inside the bundle need one for Node built-ins.
npx esbuild packages/cli/dist/bin.js --bundle --splitting --format=esm --platform=node \
  --target=node20 --sourcemap --outdir="$OUT/dist" --chunk-names='[name]-[hash]' \
  --external:better-sqlite3 --log-level=warning \
  --banner:js="import { createRequire as __wharfRequire } from 'node:module'; const require = __wharfRequire(import.meta.url);" >&2
echo "$(ls "$OUT"/dist/*.js | wc -l) files, $(du -sh "$OUT/dist" | cut -f1) with source maps" >&2
realpath "$OUT/dist/bin.js"
