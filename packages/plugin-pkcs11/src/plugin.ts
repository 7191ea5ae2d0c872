/**
 * The plugin's commands (Notary plugin contract 1.0, notary.md §5): `get-plugin-metadata`,
 * `describe-key` and `generate-signature` (capability `SIGNATURE_GENERATOR.RAW`). Requests are
 * checked with zod; responses are checked against `@wharf/notary`'s schemas before they leave.
 * @module
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  ALGORITHMS,
  PLUGIN_CAPABILITY,
  PLUGIN_CONTRACT_VERSION,
  describeKeySchema,
  generateSignatureSchema,
  isIssuedBy,
  isSelfSigned,
  keySpecOf,
  parseCertificate,
  parseCertificates,
  pluginMetadataSchema,
  verifyWithKey,
  type AlgorithmInfo,
  type Certificate,
  type DescribeKeyResponse,
  type GenerateSignatureResponse,
  type PluginMetadata,
} from '@wharf/notary';
import { modulePath, resolvePin, type PluginConfig } from './config.js';
import { pluginError } from './errors.js';
import { TokenSession, type TokenKey } from './token.js';
import { parsePkcs11Uri } from './uri.js';

/** The plugin's name (its directory `plugins/pkcs11/` and executable `notation-pkcs11`). */
export const PLUGIN_NAME = 'pkcs11';
/** Keep equal to package.json's version (a test checks). */
export const PLUGIN_VERSION = '0.1.0';

const configSchema = z.record(z.string(), z.string());

const baseRequest = z.object({
  contractVersion: z.string(),
  keyId: z.string().min(1, 'keyId is required'),
  pluginConfig: configSchema.nullish(),
});

const signRequest = baseRequest.extend({
  keySpec: z.string(),
  hashAlgorithm: z.string(),
  payload: z
    .string()
    .min(1, 'payload is required')
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'payload must be standard base64'),
});

function parse<T>(schema: z.ZodType<T>, req: unknown): T {
  const r = schema.safeParse(req);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    pluginError('VALIDATION_ERROR', `invalid request: ${where}${issue?.message ?? 'malformed'}`);
  }
  return r.data;
}

function checkContract(version: string): void {
  if (version !== PLUGIN_CONTRACT_VERSION) {
    pluginError(
      'UNSUPPORTED_CONTRACT_VERSION',
      `contract version ${JSON.stringify(version)} is not supported (only ${PLUGIN_CONTRACT_VERSION})`,
    );
  }
}

/** `get-plugin-metadata`. */
export function metadata(): PluginMetadata {
  return pluginMetadataSchema.parse({
    name: PLUGIN_NAME,
    description: 'Wharf PKCS#11 plugin: signs with a private key held in a PKCS#11 token (HSM)',
    version: PLUGIN_VERSION,
    url: 'https://github.com/wharf/wharf',
    supportedContractVersions: [PLUGIN_CONTRACT_VERSION],
    capabilities: [PLUGIN_CAPABILITY.signatureGenerator],
  });
}

/** Opens the token of a key id, runs `fn` with its key, and always closes the session. */
function withKey<T>(
  keyId: string,
  config: PluginConfig,
  env: NodeJS.ProcessEnv,
  fn: (session: TokenSession, key: TokenKey) => T,
): T {
  const uri = parsePkcs11Uri(keyId);
  const module = modulePath(config);
  const pin = resolvePin(config, env);
  const session = TokenSession.open(module, uri, pin);
  try {
    return fn(session, session.findKey(uri));
  } finally {
    session.close();
  }
}

/** `describe-key`: the key spec of the private key the key id names. */
export function describeKey(
  req: unknown,
  env: NodeJS.ProcessEnv = process.env,
): DescribeKeyResponse {
  const r = parse(baseRequest, req);
  checkContract(r.contractVersion);
  const keySpec = withKey(r.keyId, r.pluginConfig ?? {}, env, (_s, key) => key.keySpec);
  return describeKeySchema.parse({ keyId: r.keyId, keySpec });
}

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
