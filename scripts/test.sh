#!/usr/bin/env bash
# The whole test suite, interop with real peers included (README: `npm ci && npm test`).
# 1. installs the pinned peer tools (idempotent and cached, see docs/peers.md);
# 2. builds every package; 3. runs Vitest over all packages with the peers required,
# so an interop test whose peer is missing fails instead of skipping;
# 4. prints `N passed, N failed` as its last line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [ "${WHARF_SKIP_PEERS:-0}" != "1" ]; then
  bash scripts/peers.sh
  export WHARF_REQUIRE_PEERS=1
fi
export PATH="$root/.peers/bin:$PATH"

npx tsc -b
mkdir -p test-results
rm -f test-results/vitest.json
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@" || status=$?

if [ -f test-results/vitest.json ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync("test-results/vitest.json", "utf8"));
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    const failedSuites = (r.testResults ?? []).filter((t) => t.status === "failed" && (t.assertionResults ?? []).length === 0).length;
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests + failedSuites} failed, ${skipped} skipped`);
  ' | tee test-results/summary.txt
else
  echo "0 passed, 1 failed" | tee test-results/summary.txt
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
