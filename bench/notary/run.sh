#!/usr/bin/env bash
# Notary benchmark: wharf sign/verify against notation v1.3.2 on one registry, and library verify()
# throughput for RSA-3072 and P-256. See run.ts.
set -euo pipefail
cd "$(dirname "$0")/../.."
npx tsc -b packages/cli
exec npx tsx bench/notary/run.ts "$@"
