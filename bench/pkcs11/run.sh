#!/usr/bin/env bash
# notation-pkcs11 latency: one process per plugin command (as notation and wharf run it), against a
# throw-away SoftHSM v2 token with a P-256 and an RSA-3072 key. A signature costs three calls:
# get-plugin-metadata, describe-key, generate-signature.
# Needs softhsm2-util, openssl and hyperfine. Node runs with NODE_EXTRA_CA_CERTS unset (this machine
# sets it, and it makes every Node start-up parse the CA bundle); one extra row shows it set.
# Take the bench lock yourself on a shared machine: flock /tmp/wharf-bench.lock bench/pkcs11/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
npx tsc -b packages/plugin-pkcs11
BIN="$PWD/packages/plugin-pkcs11/dist/bin.js"
RUNS="${RUNS:-20}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$work" > "$work/conf"
export SOFTHSM2_CONF="$work/conf"
softhsm2-util --init-token --free --label bench --so-pin 11111111 --pin 22222222 > /dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/p256.pem" 2> /dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$work/rsa.pem" 2> /dev/null
payload="$(head -c 600 /dev/urandom | base64 -w0 | head -c 800 | base64 -w0)"
for k in p256 rsa; do
  openssl req -new -x509 -key "$work/$k.pem" -subj "/CN=bench $k" -days 2 \
    -addext keyUsage=critical,digitalSignature -out "$work/$k.crt" 2> /dev/null
  softhsm2-util --import "$work/$k.pem" --token bench --label "$k" --pin 22222222 \
    --id "$([ $k = p256 ] && echo 01 || echo 02)" > /dev/null
  spec="$([ $k = p256 ] && echo EC-256 || echo RSA-3072)"
  hash="$([ $k = p256 ] && echo SHA-256 || echo SHA-384)"
  cfg="\"pluginConfig\":{\"pin-source\":\"env:BENCH_PIN\",\"certChain\":\"$work/$k.crt\"}"
  printf '{"contractVersion":"1.0","keyId":"pkcs11:token=bench;object=%s",%s}' "$k" "$cfg" > "$work/$k-describe.json"
  printf '{"contractVersion":"1.0","keyId":"pkcs11:token=bench;object=%s","keySpec":"%s","hashAlgorithm":"%s","payload":"%s",%s}' \
    "$k" "$spec" "$hash" "$payload" "$cfg" > "$work/$k-sign.json"
done
echo '{}' > "$work/meta.json"
export BENCH_PIN=22222222
for f in p256-sign rsa-sign; do # the requests must succeed before they are timed
  node "$BIN" generate-signature < "$work/$f.json" > /dev/null
done
echo "node $(node --version), $(softhsm2-util --version | head -1) (SoftHSM), load: $(uptime | sed 's/.*load average: //')"
env -u NODE_EXTRA_CA_CERTS hyperfine -w 3 -r "$RUNS" --export-markdown "$work/table.md" \
  -n 'node -e 0' 'node -e 0' \
  -n 'get-plugin-metadata' "node $BIN get-plugin-metadata < $work/meta.json" \
  -n 'describe-key P-256' "node $BIN describe-key < $work/p256-describe.json" \
  -n 'generate-signature P-256' "node $BIN generate-signature < $work/p256-sign.json" \
  -n 'generate-signature RSA-3072' "node $BIN generate-signature < $work/rsa-sign.json" > /dev/null
cat "$work/table.md"
echo
echo "with NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS:-(unset)}:"
hyperfine -w 3 -r "$RUNS" --export-markdown "$work/table2.md" \
  -n 'generate-signature P-256' "node $BIN generate-signature < $work/p256-sign.json" > /dev/null
tail -n 1 "$work/table2.md"
echo "load at end: $(uptime | sed 's/.*load average: //')"
