#!/usr/bin/env bash
# Scan benchmark: wharf scan against osv-scanner (offline) on one SBOM and one OSV data set,
# plus wharf db import of the synthetic advisories. See run.ts.
set -euo pipefail
cd "$(dirname "$0")/../.."
npx tsc -b packages/cli
exec npx tsx bench/scan/run.ts "$@"
