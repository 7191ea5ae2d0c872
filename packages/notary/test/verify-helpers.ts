/** Shared helpers for the vector acceptance tests. */
import { createHash } from 'node:crypto';
import { vec } from './vectors.js';
import type { RevocationChecker } from '../src/revocation.js';
import { parseOciTrustPolicy, type TrustPolicyStatement } from '../src/trust-policy.js';
import { verify, type VerifyOptions } from '../src/verify.js';

export type Level = 'strict' | 'permissive' | 'audit';

export function policy(o: {
  level?: Level;
  stores: string[];
  identities?: string[];
  scope?: string;
  override?: Record<string, string>;
  verifyTimestamp?: string;
}): TrustPolicyStatement {
  const doc = parseOciTrustPolicy({
    version: '1.0',
    trustPolicies: [
      {
        name: 'test',
        registryScopes: [o.scope ?? '*'],
        signatureVerification: {
          level: o.level ?? 'strict',
          ...(o.override ? { override: o.override } : {}),
          ...(o.verifyTimestamp ? { verifyTimestamp: o.verifyTimestamp } : {}),
        },
        trustStores: o.stores,
        trustedIdentities: o.identities ?? ['*'],
      },
    ],
  });
  return doc.statements[0] as TrustPolicyStatement;
}

/** Revocation stub for offline TSA chains (INDEX 03 caveat). */
export const allGood: RevocationChecker = {
  checkChain: (chain) =>
    Promise.resolve(chain.map((c) => ({ subject: c.subject, status: 'good' as const }))),
};

export const sha256 = (b: Uint8Array): string =>
  `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function run(
  file: string,
  mediaType: string,
  opts: Omit<VerifyOptions, 'envelope' | 'envelopeMediaType'>,
) {
  return verify({ envelope: vec(file), envelopeMediaType: mediaType, ...opts });
}
