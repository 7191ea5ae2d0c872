#!/usr/bin/env bash
# SBOM benchmark: wharf sbom (cold and warm layer cache) against syft on each fixture. See run.ts.
set -euo pipefail
cd "$(dirname "$0")/../.."
npx tsc -b packages/cli
exec npx tsx bench/sbom/run.ts "$@"
