#!/usr/bin/env bash
# CLI start-up benchmark: `node -e 0`, `wharf version`, `wharf sign --help`, `wharf verify --help`
# and a real `wharf verify` of a signed OCI layout (bench/startup/setup.sh), with hyperfine.
# Runs every command twice: without NODE_EXTRA_CA_CERTS (the figure to compare; this machine sets it
# globally and it makes every Node process parse the whole CA bundle) and with it as the environment
# has it. Takes the benchmark lock (/tmp/wharf-bench.lock) and prints the load average before and
# after. Does not build: run `npx tsc -b packages/cli` first.
# Usage: bench/startup/run.sh [-r runs] [-w warmup] [--label name] [--bin path/to/bin.js]
# (--bin times another build, e.g. an older checkout or the bundle from bench/startup/bundle.sh.)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=20 WARM=3 LABEL=latest BIN="$PWD/packages/cli/dist/bin.js"
while [ $# -gt 0 ]; do
  case $1 in
    -r) RUNS=$2; shift 2 ;;
    -w) WARM=$2; shift 2 ;;
    --label) LABEL=$2; shift 2 ;;
    --bin) BIN=$(realpath "$2"); shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
OUT=bench/results/startup; mkdir -p "$OUT"
FX=$(mktemp -d /tmp/wharf-bench-startup-XXXXXX)
trap 'rm -rf "$FX"' EXIT
bench/startup/setup.sh "$FX" >/dev/null
export HOME="$FX" XDG_CONFIG_HOME="$FX/config" XDG_CACHE_HOME="$FX/cache" DOCKER_CONFIG="$FX/docker"
REF="$FX/layout@$(cat "$FX/digest")"
CA=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
cmds=(
  "node -e 0"
  "node $BIN version"
  "node $BIN sign --help"
  "node $BIN verify --help"
  "node $BIN verify --oci-layout --scope local/bench $REF"
)
echo "node $(node --version), $(nproc) cores; runs $RUNS, warm-up $WARM; label $LABEL; bin $BIN"
exec 9>/tmp/wharf-bench.lock
flock 9
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== without NODE_EXTRA_CA_CERTS"
env -u NODE_EXTRA_CA_CERTS hyperfine -N -w "$WARM" -r "$RUNS" --export-json "$OUT/$LABEL-noca.json" \
  --export-markdown "$OUT/$LABEL-noca.md" "${cmds[@]}"
echo "== with NODE_EXTRA_CA_CERTS=$CA"
NODE_EXTRA_CA_CERTS=$CA hyperfine -N -w "$WARM" -r "$RUNS" --export-json "$OUT/$LABEL-ca.json" \
  --export-markdown "$OUT/$LABEL-ca.md" "${cmds[@]}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
