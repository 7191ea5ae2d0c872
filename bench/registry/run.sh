#!/usr/bin/env bash
# Registry benchmark: zb against Wharf and distribution v3 side by side. See run.ts.
set -euo pipefail
cd "$(dirname "$0")/../.."
npx tsc -b packages/registry-server
exec npx tsx bench/registry/run.ts "$@"
