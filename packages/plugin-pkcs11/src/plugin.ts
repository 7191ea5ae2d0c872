/**
 * `generate-signature` (Notary plugin contract 1.0, notary.md §5, capability
 * `SIGNATURE_GENERATOR.RAW`): the digest is signed on the token, the chain comes from the token
 * or `certChain`, and the response is checked against `@wharf/notary`'s schema before it leaves.
 * @module
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  ALGORITHMS,
  generateSignatureSchema,
  isIssuedBy,
  isSelfSigned,
  keySpecOf,
  parseCertificate,
  parseCertificates,
  verifyWithKey,
  type AlgorithmInfo,
  type Certificate,
  type GenerateSignatureResponse,
} from '@wharf/notary';
import { pluginError } from './errors.js';
import { checkContract, parse, signRequest, withKey } from './request.js';
import type { TokenKey, TokenSession } from './token.js';

/**
 * The chain from the token: the certificate with the key's CKA_ID (its CKA_LABEL when the key
 * has no id), then issuers found among the token's other certificates, up to a self-signed root.
 */
function chainFromToken(session: TokenSession, key: TokenKey): Certificate[] {
  const all = session.certificates().map((c) => {
    try {
      return { ...c, cert: parseCertificate(c.der) };
    } catch {
      return undefined;
    }
  });
  const certs = all.filter((c) => c !== undefined);
  const byId = key.id.length > 0;
  const leaves = certs.filter((c) => (byId ? c.id.equals(key.id) : c.label === key.label));
  const named = byId ? `id=${key.id.toString('hex')}` : `label ${JSON.stringify(key.label)}`;
  if (leaves.length === 0) {
    pluginError(
      'VALIDATION_ERROR',
      `token ${JSON.stringify(session.tokenLabel)} has no certificate with the key's ${named}: store one there, or set pluginConfig certChain=<PEM file, leaf first>`,
    );
  }
  if (leaves.length > 1) {
    pluginError(
      'VALIDATION_ERROR',
      `token ${JSON.stringify(session.tokenLabel)} has ${leaves.length} certificates with the key's ${named}; set pluginConfig certChain=<PEM file> to choose`,
    );
  }
  const chain = [(leaves[0] as { cert: Certificate }).cert];
  for (;;) {
    const last = chain[chain.length - 1] as Certificate;
    if (isSelfSigned(last)) return chain;
    const issuer = certs.find(
      (c) =>
        !chain.some((x) => x.sha256Fingerprint === c.cert.sha256Fingerprint) &&
        isIssuedBy(last, c.cert),
    );
    if (issuer === undefined) {
      pluginError(
        'VALIDATION_ERROR',
        `the certificate chain on token ${JSON.stringify(session.tokenLabel)} stops at "${last.subject}", whose issuer "${last.issuer}" is not on the token: store the CA certificates there too, or set pluginConfig certChain=<PEM file, leaf first>`,
      );
    }
    chain.push(issuer.cert);
  }
}

function chainFromFile(path: string): Certificate[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    pluginError('VALIDATION_ERROR', `pluginConfig certChain: cannot read ${path}`);
  }
  let chain: Certificate[];
  try {
    chain = parseCertificates(text);
  } catch (err) {
    pluginError(
      'VALIDATION_ERROR',
      `pluginConfig certChain ${path}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (chain.length === 0) pluginError('VALIDATION_ERROR', `certChain ${path} has no certificate`);
  return chain;
}

/**
 * `generate-signature`: hashes the payload, signs the digest on the token, and returns the
 * signature with the chain. The leaf must hold the key's public key: its spec must match and the
 * new signature must verify with it, or the request fails with VALIDATION_ERROR.
 */
export function generateSignature(
  req: unknown,
  env: NodeJS.ProcessEnv = process.env,
): GenerateSignatureResponse {
  const r = parse(signRequest, req);
  checkContract(r.contractVersion);
  const config = r.pluginConfig ?? {};
  const payload = Buffer.from(r.payload, 'base64');
  return withKey(r.keyId, config, env, (session, key) => {
    const info = ALGORITHMS.find((a) => a.keySpec === key.keySpec) as AlgorithmInfo;
    if (r.keySpec !== key.keySpec) {
      pluginError(
        'VALIDATION_ERROR',
        `keySpec ${r.keySpec} does not match the key on the token (${key.keySpec})`,
      );
    }
    if (r.hashAlgorithm !== info.hash) {
      pluginError(
        'VALIDATION_ERROR',
        `hashAlgorithm ${r.hashAlgorithm} does not match the key (${key.keySpec} signs with ${info.hash})`,
      );
    }
    const certChain = config['certChain'];
    const chain = certChain === undefined ? chainFromToken(session, key) : chainFromFile(certChain);
    const leaf = chain[0] as Certificate;
    let leafSpec: string;
    try {
      leafSpec = keySpecOf(leaf.publicKey);
    } catch {
      leafSpec = 'an unsupported key';
    }
    if (leafSpec !== key.keySpec) {
      pluginError(
        'VALIDATION_ERROR',
        `the leaf certificate "${leaf.subject}" holds ${leafSpec}, not the token key's ${key.keySpec}: the certificate does not match the key`,
      );
    }
    const digest = createHash(info.nodeHash).update(payload).digest();
    const signature = session.signDigest(key, info, digest);
    if (!verifyWithKey(leaf.publicKey, info.algorithm, payload, signature)) {
      pluginError(
        'VALIDATION_ERROR',
        `the leaf certificate "${leaf.subject}" does not match the private key on the token (a signature made with the key does not verify with the certificate)`,
      );
    }
    return generateSignatureSchema.parse({
      keyId: r.keyId,
      signature: signature.toString('base64'),
      signingAlgorithm: info.algorithm,
      certificateChain: chain.map((c) => Buffer.from(c.der).toString('base64')),
    });
  });
}
