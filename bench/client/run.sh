#!/usr/bin/env bash
# Client benchmark: wharf vs oras against distribution v3. See run.ts.
set -euo pipefail
cd "$(dirname "$0")/../.."
npx tsc -b packages/cli packages/testkit
exec npx tsx bench/client/run.ts "$@"
