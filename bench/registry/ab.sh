#!/usr/bin/env bash
# A/B of two builds of the Wharf registry under the same loadgen, alternating rounds, for one
# change at a time. Usage:
#   bench/registry/ab.sh <dist-a> <dist-b> [rounds] [loadgen test regex]
# where each dist is a built packages/registry-server/dist directory that lives inside the
# checkout, so it resolves the workspace's node_modules (build the old one with
#   git stash && npx tsc -b packages/registry-server && cp -r packages/registry-server/dist \
#     packages/registry-server/dist-before && git stash pop && npx tsc -b packages/registry-server).
# Prints each loadgen result line prefixed with the build and round, and the server's CPU ticks
# (utime+stime from /proc, 100 per second) per round.
set -euo pipefail
cd "$(dirname "$0")/../.."
A=${1:?dist dir A}; B=${2:?dist dir B}; ROUNDS=${3:-3}; FILTER=${4:-'^Pull (1|10|100)MB$'}
W=$(mktemp -d)
trap 'kill "${PA:-}" "${PB:-}" 2>/dev/null || true; rm -rf "$W"' EXIT
start() {
  env -u NODE_EXTRA_CA_CERTS node "$1/main.js" --data-dir "$2" --listen 127.0.0.1:0 \
    --set=log.accessLog=false --set=storage.fsync=true >"$2.log" 2>&1 &
  echo $!
}
url() {
  for _ in $(seq 100); do
    u=$(grep -o '"url":"[^"]*"' "$1" 2>/dev/null | head -1 | cut -d'"' -f4 || true)
    [ -n "$u" ] && { echo "$u"; return; }
    sleep 0.1
  done
  echo "server did not start: $1" >&2; exit 1
}
PA=$(start "$A" "$W/a"); PB=$(start "$B" "$W/b")
UA=$(url "$W/a.log"); UB=$(url "$W/b.log")
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
echo "A=$A ($UA) B=$B ($UB) rounds=$ROUNDS tests=$FILTER; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
  for v in A B; do
    if [ $v = A ]; then U=$UA; P=$PA; else U=$UB; P=$PB; fi
    c0=$(cpu "$P")
    node --import tsx bench/registry/loadgen.ts -c 10 -n 100 -t "$FILTER" "$U" 2>/dev/null |
      grep '^{' | sed "s/^/$v r$r /"
    echo "$v r$r server_cpu_ticks $(($(cpu "$P") - c0))"
  done
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
