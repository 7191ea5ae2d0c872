#!/usr/bin/env bash
# Builds the realistic fixture images for @wharf/sbom's tests, with no Docker:
# mmdebstrap (Debian 12 minbase) and umoci turn Debian packages into OCI image layouts.
#
#   build-fixtures.sh <cache-dir> [go-binary...]
#
# Idempotent: every fixture lives in <cache-dir>/<name>-<recipe-hash>/ and is rebuilt only when
# this script (the recipe) or a Go binary changes. Prints one line "name<TAB>layout-dir" per
# fixture on stdout. Needs root (mmdebstrap's root mode, umoci unpack), mmdebstrap, umoci and
# access to the Debian mirror.
set -euo pipefail

cache=${1:?usage: build-fixtures.sh <cache-dir> [go-binary...]}
shift
gobins=("$@")
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
suite=bookworm
# Fixed clock so layers are reproducible (mmdebstrap honours SOURCE_DATE_EPOCH).
export SOURCE_DATE_EPOCH=1700000000

recipe_hash=$( (cat "$0"; for g in "${gobins[@]}"; do sha256sum "$g" | cut -d' ' -f1; done) | sha256sum | cut -c1-12)
work="$cache/rootfs-$suite"
mkdir -p "$work"

log() { echo "build-fixtures: $*" >&2; }

# rootfs tarballs, one mmdebstrap run each (cached)
rootfs() { # name includes
  local name=$1 include=$2 key
  key=$(echo "$suite $include" | sha256sum | cut -c1-8)
  local out="$work/$name-$key.tar"
  if [ ! -s "$out" ]; then
    log "mmdebstrap $name ($include)"
    local args=(--variant=minbase --mode=root --quiet)
    [ -n "$include" ] && args+=("--include=$include")
    mmdebstrap "${args[@]}" "$suite" "$work/$name-$key.tmp.tar" >&2
    mv "$work/$name-$key.tmp.tar" "$out"
  fi
  echo "$out"
}

# a new single-image layout holding one layer from a rootfs tar
base_layout() { # dir tar
  local dir=$1 tar=$2
  umoci init --layout "$dir"
  umoci new --image "$dir:latest"
  umoci raw add-layer --image "$dir:latest" "$tar"
}

# copy of a layout, then one umoci diff layer made by `mutate` (a function of the rootfs dir)
derive() { # src dst mutate
  local src=$1 dst=$2 mutate=$3 bundle
  cp -a "$src" "$dst"
  bundle=$(mktemp -d "$work/bundle.XXXXXX")
  rmdir "$bundle"
  umoci unpack --image "$dst:latest" "$bundle" >&2
  "$mutate" "$bundle/rootfs"
  umoci repack --image "$dst:latest" "$bundle" >&2
  rm -rf "$bundle"
  umoci gc --layout "$dst"
}

fixture() { # name builder...
  local name=$1
  shift
  local dir="$cache/$name-$recipe_hash"
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir" "$dir.tmp"
    log "building $name"
    "$@" "$dir.tmp"
    touch "$dir.tmp/.done"
    mv "$dir.tmp" "$dir"
  fi
  printf '%s\t%s\n' "$name" "$dir"
}

overlay_from() { # tar -> mutate fn extracting a fuller rootfs over the base rootfs
  tar --numeric-owner -xpf "$1" -C "$2"
}

build_base() { base_layout "$1" "$(rootfs base '')"; }

NODE_TAR=
mut_node() { overlay_from "$NODE_TAR" "$1"; }
build_node() {
  NODE_TAR=$(rootfs node 'nodejs,node-lodash')
  derive "$cache/base-$recipe_hash" "$1" mut_node
}

PY_TAR=
mut_python() { overlay_from "$PY_TAR" "$1"; }
build_python() {
  PY_TAR=$(rootfs python 'python3-requests')
  derive "$cache/base-$recipe_hash" "$1" mut_python
}

mut_go() {
  mkdir -p "$1/usr/local/bin"
  for g in "${gobins[@]}"; do
    cp "$g" "$1/usr/local/bin/$(basename "$g")"
    chmod 0755 "$1/usr/local/bin/$(basename "$g")"
  done
}
build_go() { derive "$cache/base-$recipe_hash" "$1" mut_go; }

# Deletes packages installed in a lower layer: dpkg purges node-lodash (status rewritten, its
# files and info/*.list whited out), and acorn-walk's folder goes by hand (a directory whiteout
# under a package dpkg still lists).
mut_whiteout() {
  dpkg --root="$1" --force-all --purge node-lodash >&2 || true
  rm -rf "$1/usr/share/nodejs/acorn-walk"
}
build_whiteout() { derive "$cache/node-$recipe_hash" "$1" mut_whiteout; }

fixture base build_base
fixture node build_node
fixture python build_python
if [ ${#gobins[@]} -gt 0 ]; then fixture go build_go; fi
fixture whiteout build_whiteout
