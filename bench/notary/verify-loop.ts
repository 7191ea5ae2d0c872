/**
 * One library `verify()` loop, for profiling and instruction counting (run.ts has the
 * throughput table). Mints a root → intermediate → leaf chain of the given key kind, signs one
 * envelope, then verifies it `-n` times (after `-w` warm-up runs) against a memory trust store
 * with a `*` strict policy, exactly as run.ts does.
 *
 * Usage: npx tsx bench/notary/verify-loop.ts <rsa3072|p256> <jws|cose> [-n 2000] [-w 200]
 * Prints `{ kind, format, n, ms, opsPerSec }` as JSON.
 *
 * Instruction count per verification, independent of machine load (see docs/benchmarks.md):
 *   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p node --import tsx bench/notary/verify-loop.ts p256 jws -n N
 * for two values of N; (Ir(N2) − Ir(N1)) / (N2 − N1) cancels start-up, minting and signing.
 */
import { performance } from 'node:perf_hooks';
import { MEDIA_TYPE_OCI_MANIFEST } from '@wharf/core';
import {
  LocalKeySigner,
  createMemoryTrustStore,
  parseOciTrustPolicy,
  signEnvelope,
  verify,
  type TrustPolicyStatement,
} from '@wharf/notary';
import { keyPem, mintChain, pem, type KeyKind } from '../../packages/notary/test/pki.js';

const args = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const kind = (args[0] ?? 'p256') as KeyKind;
const format = (args[1] ?? 'jws') as 'jws' | 'cose';
if (!['rsa3072', 'p256'].includes(kind) || !['jws', 'cose'].includes(format)) {
  process.stderr.write('usage: verify-loop.ts <rsa3072|p256> <jws|cose> [-n N] [-w W]\n');
  process.exit(2);
}
const n = flag('-n', 2000);
const warm = flag('-w', 200);

const target = {
  mediaType: MEDIA_TYPE_OCI_MANIFEST,
  digest: `sha256:${'a'.repeat(64)}`,
  size: 100,
};
const pki = mintChain(kind);
const signer = LocalKeySigner.fromPem(keyPem(pki.leafKey), pki.chain.map(pem).join(''));
const policy = parseOciTrustPolicy({
  version: '1.0',
  trustPolicies: [
    {
      name: 'p',
      registryScopes: ['*'],
      signatureVerification: { level: 'strict' },
      trustStores: ['ca:t'],
      trustedIdentities: ['*'],
    },
  ],
}).statements[0] as TrustPolicyStatement;
const trustStore = createMemoryTrustStore({ 'ca:t': [pem(pki.root)] });
const env = await signEnvelope({ format, payload: target, signer });
const once = async (): Promise<void> => {
  const r = await verify({
    envelope: env.bytes,
    envelopeMediaType: env.mediaType,
    policy,
    trustStore,
    expectedArtifact: target,
  });
  if (!r.ok) throw new Error(`verify failed: ${r.error?.message ?? ''}`);
};
for (let i = 0; i < warm; i++) await once();
const t0 = performance.now();
for (let i = 0; i < n; i++) await once();
const ms = performance.now() - t0;
process.stdout.write(
  `${JSON.stringify({ kind, format, n, ms: Math.round(ms), opsPerSec: n > 0 ? Math.round((n * 1000) / ms) : 0 })}\n`,
);
