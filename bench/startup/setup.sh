#!/usr/bin/env bash
# Fixture for bench/startup/run.sh: an OCI image layout holding one small image signed once by
# `wharf sign --oci-layout` (a `wharf cert generate-test` RSA key, JWS), and a notation config
# directory whose trust policy (`*`, strict) trusts that key. Prints the directory.
# Usage: bench/startup/setup.sh <dir>
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=${1:?usage: setup.sh <dir>}
WHARF="node $PWD/packages/cli/dist/bin.js"
export HOME="$DIR" XDG_CONFIG_HOME="$DIR/config" XDG_CACHE_HOME="$DIR/cache" DOCKER_CONFIG="$DIR/docker"
mkdir -p "$DIR/layout/blobs/sha256" "$XDG_CONFIG_HOME/notation"
cd "$DIR/layout"
put() { # <file>: store it as a blob, print its digest
  local d; d=$(sha256sum "$1" | cut -d' ' -f1); mv "$1" "blobs/sha256/$d"; echo "$d"
}
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' >cfg
CFG_SIZE=$(stat -c %s cfg); CFG=$(put cfg)
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[]}' "$CFG" "$CFG_SIZE" >man
MAN_SIZE=$(stat -c %s man); MAN=$(put man)
printf '{"imageLayoutVersion":"1.0.0"}' >oci-layout
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' "$MAN" "$MAN_SIZE" >index.json
cd - >/dev/null
$WHARF cert generate-test --default bench >/dev/null
cat >"$XDG_CONFIG_HOME/notation/trustpolicy.oci.json" <<JSON
{"version":"1.0","trustPolicies":[{"name":"all","registryScopes":["*"],"signatureVerification":{"level":"strict"},"trustStores":["ca:bench"],"trustedIdentities":["*"]}]}
JSON
$WHARF sign --oci-layout "$DIR/layout@sha256:$MAN" >/dev/null
echo "sha256:$MAN" >"$DIR/digest"
echo "$DIR"
