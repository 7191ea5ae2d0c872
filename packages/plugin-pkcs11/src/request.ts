/**
 * Request parsing (zod) and `describe-key`: opening the token a key id names. Only types come
 * from `@wharf/notary` here, so `describe-key` does not load it.
 * @module
 */
import { z } from 'zod';
import type { DescribeKeyResponse } from '@wharf/notary';
import { modulePath, resolvePin, type PluginConfig } from './config.js';
import { pluginError } from './errors.js';
import { CONTRACT_VERSION } from './metadata.js';
import { TokenSession, type TokenKey } from './token.js';
import { parsePkcs11Uri } from './uri.js';

const configSchema = z.record(z.string(), z.string());

export const baseRequest = z.object({
  contractVersion: z.string(),
  keyId: z.string().min(1, 'keyId is required'),
  pluginConfig: configSchema.nullish(),
});

export const signRequest = baseRequest.extend({
  keySpec: z.string(),
  hashAlgorithm: z.string(),
  payload: z
    .string()
    .min(1, 'payload is required')
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'payload must be standard base64'),
});

export function parse<T>(schema: z.ZodType<T>, req: unknown): T {
  const r = schema.safeParse(req);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    pluginError('VALIDATION_ERROR', `invalid request: ${where}${issue?.message ?? 'malformed'}`);
  }
  return r.data;
}

export function checkContract(version: string): void {
  if (version !== CONTRACT_VERSION) {
    pluginError(
      'UNSUPPORTED_CONTRACT_VERSION',
      `contract version ${JSON.stringify(version)} is not supported (only ${CONTRACT_VERSION})`,
    );
  }
}

/** Opens the token of a key id, runs `fn` with its key, and always closes the session. */
export function withKey<T>(
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
  return { keyId: r.keyId, keySpec };
}
