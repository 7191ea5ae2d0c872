#!/usr/bin/env bash
# Install pinned peer tools (real third-party programs used by Wharf's interop tests and
# benchmarks) into the git-ignored folder .peers/ at the repo root. Run as `npm run peers`.
#
# - Go tools are built from the Go module proxy with the local toolchain: `go install
#   module@version` first; a temporary module (`go get` + `go build`/`go test -c`) when
#   `go install` cannot resolve the module. Nothing is vendored or copied into the repo.
# - Debian tools are installed with apt-get only when their command is missing.
# - Each built tool has a stamp (.peers/stamps/<tool>) recording its pin and recipe; a tool
#   whose stamp matches and whose binary exists is not rebuilt.
# - Writes .peers/versions.json: tool -> {pinned, reported, path, ...}.
#
# Environment:
#   WHARF_PEERS_ALL=1     also install postgresql and chromium (slow; off by default)
#   WHARF_PEERS_STRICT=1  tools the module proxy cannot serve (see docs/peers.md) count as failures
#   WHARF_PEERS_JOBS=N    concurrent Go builds (default 2)
#   WHARF_PEERS_ONLY="a b" only handle these tools (names as in the summary)
#   WHARF_PEERS_FORCE=1   ignore stamps and rebuild
#   WHARF_PEERS_CACHE=dir per-machine cache of built binaries (default $XDG_CACHE_HOME/wharf/peers),
#                         so a fresh clone on the same machine (CI) copies instead of rebuilding
# See docs/peers.md for versions, methods, fallbacks and timings.
set -euo pipefail

# ---------------------------------------------------------------------------------------
# Pins. Go module versions exactly as the module proxy names them.
NOTATION1_VERSION=v1.3.2                 # github.com/notaryproject/notation (v1 module path)
NOTATION2_VERSION=v2.0.0-alpha.1         # github.com/notaryproject/notation/v2 (only v2 tag upstream)
ORAS_VERSION=v1.3.3                      # oras.land/oras, newest 1.3 patch
DISTRIBUTION_VERSION=v3.1.2              # github.com/distribution/distribution/v3, newest 3.1 patch
CONFORMANCE_TAG=v1.1.1                   # opencontainers/distribution-spec release tag
# conformance/ is a nested module with no tags of its own: the tag's commit as a pseudo-version
CONFORMANCE_VERSION=v0.0.0-20250123160558-a139cc423184
CONFORMANCE_MAIN_VERSION=v0.0.0-20260831232431-97274622c111   # main @ 9727462, 2026-08-31 (redesigned suite)
ZOT_VERSION=v2.1.20                      # zotregistry.dev/zot/v2 (zb benchmark)
CRANE_VERSION=v0.22.1                    # github.com/google/go-containerregistry
SYFT_VERSION=v1.54.1                     # github.com/anchore/syft
OSV_SCANNER_VERSION=v2.5.1               # github.com/google/osv-scanner/v2
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c   # github.com/minio/minio (no semver tags)
MINIO_COMMIT=7aac2a2c5b7c
MINIO_DATE=2026-02-12T20:18:48Z
# ---------------------------------------------------------------------------------------

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEERS="$ROOT/.peers"
BIN="$PEERS/bin"
STAMPS="$PEERS/stamps"
LOGS="$PEERS/logs"
STATE="$PEERS/state"
RECORDS="$PEERS/records"
BUILD="$PEERS/build"
JOBS="${WHARF_PEERS_JOBS:-2}"
CACHE="${WHARF_PEERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wharf/peers}"
ONLY="${WHARF_PEERS_ONLY:-}"
mkdir -p "$BIN" "$STAMPS" "$LOGS" "$BUILD" "$RECORDS"
# One run at a time per checkout (a second one waits).
if command -v flock > /dev/null 2>&1; then
  exec 9> "$PEERS/.lock"
  flock 9
fi
rm -rf "$STATE"
mkdir -p "$STATE"

# Module cache and build cache stay at Go's defaults (~/go/pkg/mod, ~/.cache/go-build, or
# GOMODCACHE/GOCACHE if the caller set them) so they are shared across runs and checkouts.
export GOFLAGS=-buildvcs=false
export GOTOOLCHAIN=local
export CGO_ENABLED=0
# Modules come from the module proxy only, unless the caller chose a proxy explicitly.
export GOPROXY="${GOPROXY:-https://proxy.golang.org}"

RUN_START=$(date +%s)
ORDER=()   # tool names in summary order
APT_MISSING=""
APT_SECONDS=0
GO_VERSION=""

want() { [[ -z "$ONLY" || " $ONLY " == *" $1 "* ]]; }
log() { printf '%s\n' "$*" >&2; }

# Upstream part of a Debian version: 1:2.3.4+ds1-2~deb12u1 -> 2.3.4
debian_upstream() {
  local v="$1"
  v="${v#*:}"
  [[ "$v" == *-* ]] && v="${v%-*}"
  v="${v%%[+~]*}"
  printf '%s' "$v"
}

# Version command for each tool; prints the tool's own version output.
version_of() {
  local name="$1" path="$2"
  case "$name" in
    notation | notation1 | oras | crane | syft) "$path" version ;;
    registry | minio | osv-scanner | skopeo | umoci | mmdebstrap | psql | postgres | initdb | pg_ctl | softhsm2-util | chromium | zb)
      "$path" --version ;;
    openssl) "$path" version ;;
    # A go test binary: list the specs (no network) to show it runs.
    conformance) "$path" -test.list '.*' ;;
    # Takes no flags: any run executes the whole suite, so it is not run here.
    conformance-main) echo "conformance-main (pinned $CONFORMANCE_MAIN_VERSION; no version command)" ;;
    *) echo "unknown" ;;
  esac
}

# First line of the version output that contains the expected string (else the first
# non-empty line), squeezed to single spaces.
reported_line() {
  local out="$1" expect="$2" line
  line="$(printf '%s\n' "$out" | grep -F -m1 -- "$expect" || true)"
  [[ -z "$line" ]] && line="$(printf '%s\n' "$out" | grep -m1 . || true)"
  printf '%s' "$line" | tr -s ' \t' '  ' | sed 's/^ //; s/ $//'
}

json_str() {
  local s="$1"
  s="${s//\\/\\\\}"
  s="${s//\"/\\\"}"
  s="${s//$'\t'/ }"
  s="${s//$'\r'/}"
  s="${s//$'\n'/ }"
  printf '"%s"' "$s"
}

# state file per tool: key=value lines
set_state() { printf '%s=%s\n' "$2" "$3" >> "$STATE/$1"; }
get_state() { { grep -m1 "^$2=" "$STATE/$1" 2>/dev/null || true; } | cut -d= -f2-; }

# ---------------------------------------------------------------------------------------
# Go tools.
# name|module|version|package|ldflags|required(1)/best-effort(0)|expect|kind(bin|test)
GO_TOOLS=(
  "minio|github.com/minio/minio|$MINIO_VERSION|github.com/minio/minio|-X github.com/minio/minio/cmd.Version=$MINIO_DATE -X github.com/minio/minio/cmd.ReleaseTag=DEVELOPMENT.${MINIO_DATE//:/-} -X github.com/minio/minio/cmd.CommitID=$MINIO_COMMIT -X github.com/minio/minio/cmd.ShortCommitID=$MINIO_COMMIT|1|$MINIO_COMMIT|bin"
  "syft|github.com/anchore/syft|$SYFT_VERSION|github.com/anchore/syft/cmd/syft|-X main.version=${SYFT_VERSION#v} -X main.gitDescription=$SYFT_VERSION|1|${SYFT_VERSION#v}|bin"
  "registry|github.com/distribution/distribution/v3|$DISTRIBUTION_VERSION|github.com/distribution/distribution/v3/cmd/registry|-X github.com/distribution/distribution/v3/version.version=$DISTRIBUTION_VERSION|1|${DISTRIBUTION_VERSION#v}|bin"
  "osv-scanner|github.com/google/osv-scanner/v2|$OSV_SCANNER_VERSION|github.com/google/osv-scanner/v2/cmd/osv-scanner||1|${OSV_SCANNER_VERSION#v}|bin"
  "notation1|github.com/notaryproject/notation|$NOTATION1_VERSION|github.com/notaryproject/notation/cmd/notation|-X github.com/notaryproject/notation/internal/version.BuildMetadata=|1|${NOTATION1_VERSION#v}|bin"
  "oras|oras.land/oras|$ORAS_VERSION|oras.land/oras/cmd/oras||1|${ORAS_VERSION#v}|bin"
  "crane|github.com/google/go-containerregistry|$CRANE_VERSION|github.com/google/go-containerregistry/cmd/crane||1|${CRANE_VERSION#v}|bin"
  "notation|github.com/notaryproject/notation/v2|$NOTATION2_VERSION|github.com/notaryproject/notation/v2/cmd/notation|-X github.com/notaryproject/notation/v2/internal/version.BuildMetadata=|0|${NOTATION2_VERSION#v}|bin"
  "conformance|github.com/opencontainers/distribution-spec/conformance|$CONFORMANCE_VERSION|github.com/opencontainers/distribution-spec/conformance|-X github.com/opencontainers/distribution-spec/conformance.Version=$CONFORMANCE_TAG|0||test"
  "conformance-main|github.com/opencontainers/distribution-spec/conformance|$CONFORMANCE_MAIN_VERSION|github.com/opencontainers/distribution-spec/conformance||0||bin"
  "zb|zotregistry.dev/zot/v2|$ZOT_VERSION|zotregistry.dev/zot/v2/cmd/zb|-X zotregistry.dev/zot/v2/pkg/buildinfo.Commit=$ZOT_VERSION -X zotregistry.dev/zot/v2/pkg/buildinfo.ReleaseTag=$ZOT_VERSION -X zotregistry.dev/zot/v2/pkg/buildinfo.BinaryType=zb|0|${ZOT_VERSION#v}|bin"
)

# Errors that mean `go install pkg@version` cannot resolve the module on its own (as
# opposed to a compile error): then a temporary module is tried.
INSTALL_RESOLUTION_ERRORS='loading deprecation|contains one or more replace directives|contains one or more exclude directives|module declares its path as|cannot be run in module mode'

# Build a tool with `go install`; on a resolution error fall back to a temporary module.
# Runs in a background job: never exits non-zero, records results in $STATE/<name>.
build_go_tool() {
  local name="$1" module="$2" version="$3" pkg="$4" ldflags="$5" kind="$6"
  local work="$BUILD/$name" logf="$LOGS/$name.log" start method="" rc=1
  start=$(date +%s)
  rm -rf "$work"
  mkdir -p "$work/bin"
  : > "$logf"
  if [[ "$kind" == bin ]]; then
    echo "+ GOBIN=$work/bin go install -trimpath -ldflags '-s -w $ldflags' $pkg@$version" >> "$logf"
    if GOBIN="$work/bin" go install -trimpath -ldflags "-s -w $ldflags" "$pkg@$version" >> "$logf" 2>&1; then
      method="go install"
      rc=0
      mv -f "$work/bin/$(basename "$pkg")" "$work/out"
    elif grep -Eq "$INSTALL_RESOLUTION_ERRORS" "$logf"; then
      echo "# go install could not resolve the module; trying a temporary module" >> "$logf"
    else
      rc=2 # real build failure: do not retry the same build
    fi
  fi
  if [[ "$rc" == 1 ]]; then
    mkdir -p "$work/mod"
    method="temp module"
    [[ "$kind" == test ]] && method="temp module + go test -c"
    if (
      cd "$work/mod"
      set -e
      echo "+ go mod init wharf.local/peer-$name && go get $pkg@$version"
      go mod init "wharf.local/peer-$name" 2>&1
      go get "$pkg@$version" 2>&1
      if [[ "$kind" == test ]]; then
        echo "+ go test -c -o $work/out $pkg"
        go test -c -trimpath -ldflags "-s -w $ldflags" -o "$work/out" "$pkg" 2>&1
      else
        echo "+ go build -o $work/out $pkg"
        go build -trimpath -ldflags "-s -w $ldflags" -o "$work/out" "$pkg" 2>&1
      fi
    ) >> "$logf" 2>&1; then
      rc=0
    fi
  fi
  if [[ "$rc" == 0 ]]; then
    mv -f "$work/out" "$BIN/$name"
    printf '%s\n' "$(stamp_of "$module" "$version" "$pkg" "$ldflags" "$kind")" > "$STAMPS/$name"
    printf '%s\n' "$method" > "$STAMPS/$name.method"
    rm -rf "$work"
    set_state "$name" status installed
    set_state "$name" method "$method"
  else
    set_state "$name" status failed
    set_state "$name" method "${method:-go install}"
    set_state "$name" reason "$(failure_reason "$logf" "$module" "$version")"
    rm -rf "$work"
  fi
  set_state "$name" seconds $(($(date +%s) - start))
}

# One short line saying why a Go build failed, from its log.
failure_reason() {
  local logf="$1" module="$2" version="$3" line
  if grep -q 'module host not permitted' "$logf"; then
    printf 'the module proxy refuses the host of %s (403: module-host allowlist)' "$module"
  elif grep -q 'This module version is not available' "$logf"; then
    printf 'the module proxy refuses %s@%s (403: module version not available)' "$module" "$version"
  elif grep -q '403 Forbidden' "$logf"; then
    printf 'the module proxy refuses %s@%s (403 Forbidden)' "$module" "$version"
  elif line="$(grep -E -m1 'does not contain package|requires go >=|404 Not Found|410 Gone' "$logf")"; then
    printf '%s' "$line" | sed 's/^[[:space:]]*//' | cut -c1-240
  else
    grep -E -m1 'error|cannot|undefined|go: ' "$logf" | sed 's/^[[:space:]]*//' | cut -c1-240 || echo "see $logf"
  fi
}

# .peers/versions.json from the per-tool records (.peers/records/<tool>.json), so a run
# limited with WHARF_PEERS_ONLY keeps what earlier runs recorded for the other tools.
write_versions_json() {
  local entry name sep="" out="{"
  local names=()
  for entry in "${GO_TOOLS[@]}" "${APT_TOOLS[@]}"; do
    names+=("${entry%%|*}")
    [[ "${entry%%|*}" == postgres ]] && names+=(initdb pg_ctl)
  done
  for name in "${names[@]}"; do
    [[ -f "$RECORDS/$name.json" ]] || continue
    out+="$sep"$'\n  '"$(json_str "$name"): $(cat "$RECORDS/$name.json")"
    sep=","
  done
  out+=$'\n}\n'
  printf '%s' "$out" > "$PEERS/versions.json.tmp"
  mv -f "$PEERS/versions.json.tmp" "$PEERS/versions.json"
}

stamp_of() { printf '%s' "module=$1 version=$2 package=$3 ldflags=-s -w $4 kind=$5 go=$GO_VERSION cgo=$CGO_ENABLED"; }

# ---------------------------------------------------------------------------------------
# apt tools: name|package(s) to install|package to read the version from|always(1)/ALL-only(0)
APT_TOOLS=(
  "skopeo|skopeo|skopeo|1"
  "umoci|umoci|umoci|1"
  "mmdebstrap|mmdebstrap|mmdebstrap|1"
  "openssl|openssl|openssl|1"
  "psql|postgresql-client|postgresql-client-[0-9]*|0"
  "postgres|postgresql|postgresql-[0-9]*|0"
  "softhsm2-util|softhsm2|softhsm2|1"
  "chromium|chromium|chromium|0"
)

# PostgreSQL server programs live in /usr/lib/postgresql/<major>/bin, which is not on PATH
# on Debian: link them into .peers/bin when missing from PATH.
PG_SERVER_PROGRAMS=(postgres initdb pg_ctl)

apt_command_path() {
  local name="$1" p
  if p="$(command -v "$name" 2>/dev/null)"; then printf '%s' "$p"; return 0; fi
  if [[ -x "$BIN/$name" ]]; then printf '%s' "$BIN/$name"; return 0; fi
  return 1
}

link_pg_server() {
  local prog dir
  dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n1 || true)"
  [[ -n "$dir" ]] || return 0
  for prog in "${PG_SERVER_PROGRAMS[@]}"; do
    if ! command -v "$prog" > /dev/null 2>&1 && [[ -x "$dir/$prog" ]]; then
      ln -sfn "$dir/$prog" "$BIN/$prog"
    fi
  done
}

install_apt_tools() {
  local entry name pkgs vpkg always missing_pkgs=() start sudo=""
  start=$(date +%s)
  for entry in "${APT_TOOLS[@]}"; do
    IFS='|' read -r name pkgs vpkg always <<< "$entry"
    want "$name" || continue
    [[ "$always" == 1 || "${WHARF_PEERS_ALL:-0}" == 1 ]] || continue
    [[ "$name" == postgres ]] && link_pg_server
    if ! apt_command_path "$name" > /dev/null; then
      missing_pkgs+=("$pkgs")
      APT_MISSING+=" $name "
    fi
  done
  if ((${#missing_pkgs[@]} > 0)); then
    if [[ "$(id -u)" != 0 ]]; then
      if command -v sudo > /dev/null 2>&1; then sudo="sudo"; else
        log "peers: need root (or sudo) to apt-get install: ${missing_pkgs[*]}"
        return 0
      fi
    fi
    log "peers: apt-get install ${missing_pkgs[*]}"
    {
      $sudo apt-get update &&
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing_pkgs[@]}"
    } > "$LOGS/apt.log" 2>&1 || log "peers: apt-get failed, see $LOGS/apt.log"
    link_pg_server
  fi
  APT_SECONDS=$(($(date +%s) - start))
}

record_apt_tools() {
  local entry name pkgs vpkg always path pkgver expect out
  for entry in "${APT_TOOLS[@]}"; do
    IFS='|' read -r name pkgs vpkg always <<< "$entry"
    want "$name" || continue
    [[ "$always" == 1 || "${WHARF_PEERS_ALL:-0}" == 1 ]] || continue
    ORDER+=("$name")
    set_state "$name" kind apt
    set_state "$name" method "apt ($pkgs)"
    set_state "$name" required 1
    if [[ "$APT_MISSING" == *" $name "* ]]; then
      set_state "$name" seconds "$APT_SECONDS"
    else
      set_state "$name" seconds 0
    fi
    if ! path="$(apt_command_path "$name")"; then
      set_state "$name" status failed
      set_state "$name" reason "command $name not found after apt-get install $pkgs"
      continue
    fi
    pkgver="$(dpkg-query -W -f '${Version}\n' "$vpkg" 2>/dev/null | grep -m1 . || true)"
    expect="$(debian_upstream "$pkgver")"
    set_state "$name" path "$path"
    set_state "$name" pinned "${pkgver:-unknown}"
    set_state "$name" expect "$expect"
    if [[ "$APT_MISSING" == *" $name "* ]]; then
      set_state "$name" status installed
    else
      set_state "$name" status present
    fi
    if [[ "$name" == postgres ]]; then
      local prog p2
      for prog in initdb pg_ctl; do
        if p2="$(apt_command_path "$prog")"; then
          ORDER+=("$prog")
          set_state "$prog" kind apt
          set_state "$prog" method "apt ($pkgs)"
          set_state "$prog" required 1
          set_state "$prog" seconds 0
          set_state "$prog" path "$p2"
          set_state "$prog" pinned "${pkgver:-unknown}"
          set_state "$prog" expect "$expect"
          set_state "$prog" status present
        fi
      done
    fi
  done
}

# ---------------------------------------------------------------------------------------
main() {
  if ! command -v go > /dev/null 2>&1; then
    log "peers: the go command is required (Go >= 1.26.8)"
    exit 1
  fi
  GO_VERSION="$(go env GOVERSION)"
  log "peers: $GO_VERSION, GOPROXY=$GOPROXY, $JOBS parallel builds"

  install_apt_tools

  # Go tools: cached ones are checked inline; the rest build $JOBS at a time.
  local entry name module version pkg ldflags required expect kind
  for entry in "${GO_TOOLS[@]}"; do
    IFS='|' read -r name module version pkg ldflags required expect kind <<< "$entry"
    want "$name" || continue
    ORDER+=("$name")
    set_state "$name" kind go
    set_state "$name" pinned "$version"
    set_state "$name" expect "$expect"
    set_state "$name" required "$required"
    set_state "$name" module "$module"
    # A binary built earlier on this machine with the same stamp (e.g. by another clone).
    if [[ "${WHARF_PEERS_FORCE:-0}" != 1 && ! -x "$BIN/$name" && -x "$CACHE/$name" ]] &&
      [[ "$(cat "$CACHE/$name.stamp" 2> /dev/null)" == "$(stamp_of "$module" "$version" "$pkg" "$ldflags" "$kind")" ]]; then
      cp -f "$CACHE/$name" "$BIN/$name"
      cp -f "$CACHE/$name.stamp" "$STAMPS/$name"
      cp -f "$CACHE/$name.method" "$STAMPS/$name.method" 2> /dev/null || true
    fi
    if [[ "${WHARF_PEERS_FORCE:-0}" != 1 && -x "$BIN/$name" && -f "$STAMPS/$name" ]] &&
      [[ "$(cat "$STAMPS/$name")" == "$(stamp_of "$module" "$version" "$pkg" "$ldflags" "$kind")" ]]; then
      set_state "$name" status cached
      set_state "$name" method "$(cat "$STAMPS/$name.method" 2>/dev/null || echo 'go install')"
      set_state "$name" seconds 0
      continue
    fi
    # An outdated build of ours must not be found by tests if the new one fails.
    if [[ -f "$STAMPS/$name" ]]; then rm -f "$BIN/$name" "$STAMPS/$name" "$STAMPS/$name.method"; fi
    while (($(jobs -rp | wc -l) >= JOBS)); do wait -n || true; done
    log "peers: building $name ($pkg@$version)"
    build_go_tool "$name" "$module" "$version" "$pkg" "$ldflags" "$kind" &
  done
  wait || true

  # Keep every built tool in the per-machine cache (write to a temp name, then rename).
  mkdir -p "$CACHE"
  for name in "${ORDER[@]}"; do
    [[ -x "$BIN/$name" && -f "$STAMPS/$name" ]] || continue
    if ! cmp -s "$STAMPS/$name" "$CACHE/$name.stamp" 2> /dev/null || [[ ! -x "$CACHE/$name" ]]; then
      cp -f "$BIN/$name" "$CACHE/$name.tmp.$$" && mv -f "$CACHE/$name.tmp.$$" "$CACHE/$name"
      cp -f "$STAMPS/$name.method" "$CACHE/$name.method" 2> /dev/null || true
      cp -f "$STAMPS/$name" "$CACHE/$name.stamp"
    fi
  done

  record_apt_tools

  # Report: run each tool's own version command.
  local failed=0 status path out reported secs method pinned reason req
  local json
  printf '\n%-17s %-10s %-7s %-36s %s\n' TOOL STATUS TIME PINNED REPORTED
  for name in "${ORDER[@]}"; do
    status="$(get_state "$name" status)"
    pinned="$(get_state "$name" pinned)"
    expect="$(get_state "$name" expect)"
    method="$(get_state "$name" method)"
    secs="$(get_state "$name" seconds)"
    req="$(get_state "$name" required)"
    reason="$(get_state "$name" reason)"
    path="$(get_state "$name" path)"
    if [[ -z "$status" ]]; then
      status=failed
      reason="build job ended without a result, see $LOGS/$name.log"
    fi
    [[ -z "$path" && -x "$BIN/$name" && "$status" != failed ]] && path="$BIN/$name"
    reported=""
    if [[ "$status" == installed || "$status" == cached || "$status" == present ]]; then
      out="$(version_of "$name" "$path" 2>&1 || true)"
      reported="$(reported_line "$out" "${expect:-.}")"
      if [[ -n "$expect" && "$out" != *"$expect"* ]]; then
        status=failed
        reason="version output does not contain $expect: $reported"
      fi
    fi
    if [[ "$status" == failed && "$req" != 1 && "${WHARF_PEERS_STRICT:-0}" != 1 ]]; then
      status=unavailable
    fi
    [[ "$status" == failed ]] && failed=1
    if [[ "$status" == failed || "$status" == unavailable ]]; then
      printf '%-17s %-10s %6ss %-36s %s\n' "$name" "$status" "$secs" "$pinned" "${reason:-see $LOGS/$name.log}"
    else
      printf '%-17s %-10s %6ss %-36s %s\n' "$name" "$status" "$secs" "$pinned" "$reported"
    fi
    json="{\"pinned\": $(json_str "$pinned"), \"reported\": $( [[ -n "$reported" ]] && json_str "$reported" || echo null)"
    json+=", \"path\": $( [[ "$status" == failed || "$status" == unavailable ]] && echo null || json_str "$path")"
    json+=", \"expect\": $(json_str "$expect"), \"status\": $(json_str "$status"), \"method\": $(json_str "$method")"
    json+=", \"kind\": $(json_str "$(get_state "$name" kind)"), \"seconds\": ${secs:-0}"
    [[ -n "$reason" && ( "$status" == failed || "$status" == unavailable ) ]] && json+=", \"reason\": $(json_str "$reason")"
    json+="}"
    printf '%s\n' "$json" > "$RECORDS/$name.json"
  done
  write_versions_json
  rm -rf "$STATE"

  printf '\npeers: total %ss; binaries in %s; versions in %s\n' "$(($(date +%s) - RUN_START))" "$BIN" "$PEERS/versions.json"
  if [[ "$failed" != 0 ]]; then
    log "peers: some tools failed to install (logs in $LOGS)"
    exit 1
  fi
}

main "$@"; exit $?  # on one line: bash never reads past it, so editing this file mid-run is safe
