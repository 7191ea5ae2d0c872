#!/usr/bin/env bash
# SBOM benchmark: wharf sbom (cold and warm layer cache) against syft on each fixture. See run.ts.
# wharf runs as `env -u NODE_EXTRA_CA_CERTS node …` (run.ts does it; the variable costs each Node
# process ~70 ms of start-up on this machine, and syft ignores it).
set -euo pipefail
cd "$(dirname "$0")/../.."
npx tsc -b packages/cli
exec npx tsx bench/sbom/run.ts "$@"
