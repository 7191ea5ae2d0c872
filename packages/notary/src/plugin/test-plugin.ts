#!/usr/bin/env node
/**
 * `notation-wharf-test`: the test plugin Wharf ships. It speaks the Notary plugin contract 1.0
 * and signs with a local PEM key and certificate chain named in `pluginConfig`:
 *
 * - `keyPath`, `certPath` (required for describe-key and signing): PEM key, PEM chain leaf first.
 * - `mode`: `raw` (default, `SIGNATURE_GENERATOR.RAW`), `envelope` (`SIGNATURE_GENERATOR.ENVELOPE`)
 *   or `both`.
 * - Fault injection for tests: `inject` = `error:<CODE>` | `exit` (non-zero exit, no error
 *   document) | `hang` | `garbage` | `oversize:<bytes>` | `wrong-key` | `wrong-algorithm` |
 *   `wrong-keyid` | `wrong-payload` | `wrong-name` | `secret-stderr`; `injectOn` = the command it
 *   applies to (default: `generate-signature` and `generate-envelope`).
 * - Verification: `verifier` = `identity` | `revocation` | `both` adds the
 *   `SIGNATURE_VERIFIER.*` capabilities; `verify-signature` answers per `verifyResult`.
 *
 * It is not a production plugin: its keys are files. Install it with `installTestPlugin()`
 * (`./test-plugin-install.js`), which writes a launcher script.
 * @module
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { ALGORITHMS, keySpecOf, signWithKey } from '../algorithms.js';
import { parseCertificates } from '../cert.js';
import { WharfError } from '@wharf/core';
import { errorMessage } from '../errors.js';
import { parsePayload } from '../payload.js';
import { signEnvelope } from '../sign.js';
import { LocalKeySigner } from '../signer.js';
import { TEST_PLUGIN_NAME, TEST_PLUGIN_VERSION } from './test-plugin-install.js';

/** A plugin-protocol error: `code` is the spec's errorCode written to stderr. */
class PluginFailure extends WharfError<string> {}

type Json = Record<string, unknown>;

function fail(code: string, message: string): never {
  throw new PluginFailure(code, message);
}

function str(req: Json, field: string): string {
  const v = req[field];
  if (typeof v !== 'string' || v === '') fail('VALIDATION_ERROR', `${field} is required`);
  return v;
}

function config(req: Json): Record<string, string> {
  const c = req.pluginConfig;
  if (c === undefined || c === null) return {};
  if (typeof c !== 'object' || Array.isArray(c))
    fail('VALIDATION_ERROR', 'pluginConfig must be an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(c)) if (typeof v === 'string') out[k] = v;
  return out;
}

function loadKey(cfg: Record<string, string>): {
  key: KeyObject;
  chain: Uint8Array[];
  keyPem: string;
  certPem: string;
} {
  const keyPath = cfg.keyPath;
  const certPath = cfg.certPath;
  if (!keyPath || !certPath)
    fail('VALIDATION_ERROR', 'pluginConfig keyPath and certPath are required');
  let keyPem: string;
  let certPem: string;
  try {
    keyPem = readFileSync(keyPath, 'utf8');
    certPem = readFileSync(certPath, 'utf8');
  } catch {
    fail('ACCESS_DENIED', 'the key or certificate file cannot be read');
  }
  try {
    const key = createPrivateKey(keyPem);
    return { key, chain: parseCertificates(certPem).map((c) => c.der), keyPem, certPem };
  } catch (err) {
    fail('VALIDATION_ERROR', `key or certificate is invalid: ${errorMessage(err)}`);
  }
}

function checkContract(req: Json): void {
  if (req.contractVersion !== '1.0') {
    fail(
      'UNSUPPORTED_CONTRACT_VERSION',
      `contract version ${String(req.contractVersion)} is not supported`,
    );
  }
}

function capabilities(mode: string | undefined, verifier?: string): string[] {
  const out =
    mode === 'envelope'
      ? ['SIGNATURE_GENERATOR.ENVELOPE']
      : mode === 'both'
        ? ['SIGNATURE_GENERATOR.RAW', 'SIGNATURE_GENERATOR.ENVELOPE']
        : ['SIGNATURE_GENERATOR.RAW'];
  if (verifier === 'identity' || verifier === 'both')
    out.push('SIGNATURE_VERIFIER.TRUSTED_IDENTITY');
  if (verifier === 'revocation' || verifier === 'both')
    out.push('SIGNATURE_VERIFIER.REVOCATION_CHECK');
  return out;
}

async function handle(command: string, req: Json, inject: string | undefined): Promise<Json> {
  const cfg = config(req);
  switch (command) {
    case 'get-plugin-metadata':
      return {
        name: inject === 'wrong-name' ? 'someone-else' : TEST_PLUGIN_NAME,
        description: 'Wharf test plugin: signs with a local key file (tests only)',
        version: TEST_PLUGIN_VERSION,
        url: 'https://github.com/wharf/wharf',
        supportedContractVersions: ['1.0'],
        capabilities: capabilities(cfg.mode, cfg.verifier),
      };
    case 'describe-key': {
      checkContract(req);
      const keyId = str(req, 'keyId');
      const { key } = loadKey(cfg);
      return {
        keyId: inject === 'wrong-keyid' ? `${keyId}-other` : keyId,
        keySpec: keySpecOf(key),
      };
    }
    case 'generate-signature': {
      checkContract(req);
      const keyId = str(req, 'keyId');
      const { key, chain } = loadKey(cfg);
      const spec = keySpecOf(key);
      const info = ALGORITHMS.find((a) => a.keySpec === spec);
      if (!info) fail('VALIDATION_ERROR', 'unsupported key');
      if (req.keySpec !== spec)
        fail('VALIDATION_ERROR', `keySpec ${String(req.keySpec)} does not match the key (${spec})`);
      if (req.hashAlgorithm !== info.hash)
        fail('VALIDATION_ERROR', `hashAlgorithm must be ${info.hash}`);
      const payload = Buffer.from(str(req, 'payload'), 'base64');
      let signingKey = key;
      if (inject === 'wrong-key') {
        signingKey =
          info.ecSignatureLength === undefined
            ? generateKeyPairSync('rsa', { modulusLength: Number(spec.slice(4)) }).privateKey
            : generateKeyPairSync('ec', {
                namedCurve:
                  { 'EC-256': 'P-256', 'EC-384': 'P-384' }[spec as 'EC-256' | 'EC-384'] ?? 'P-521',
              }).privateKey;
      }
      const signature = signWithKey(signingKey, info.algorithm, payload);
      const algorithm =
        inject === 'wrong-algorithm'
          ? (ALGORITHMS.find((a) => a.algorithm !== info.algorithm)?.algorithm ?? info.algorithm)
          : info.algorithm;
      return {
        keyId: inject === 'wrong-keyid' ? `${keyId}-other` : keyId,
        signature: Buffer.from(signature).toString('base64'),
        signingAlgorithm: algorithm,
        certificateChain: chain.map((c) => Buffer.from(c).toString('base64')),
      };
    }
    case 'generate-envelope': {
      checkContract(req);
      str(req, 'keyId');
      if (!capabilities(cfg.mode).includes('SIGNATURE_GENERATOR.ENVELOPE')) {
        fail(
          'VALIDATION_ERROR',
          'envelope generation is off (pluginConfig mode=envelope turns it on)',
        );
      }
      if (req.payloadType !== 'application/vnd.cncf.notary.payload.v1+json') {
        fail('VALIDATION_ERROR', `unsupported payloadType ${String(req.payloadType)}`);
      }
      const type = req.signatureEnvelopeType;
      if (type !== 'application/jose+json' && type !== 'application/cose') {
        fail('VALIDATION_ERROR', `unsupported signatureEnvelopeType ${String(type)}`);
      }
      const { keyPem, certPem } = loadKey(cfg);
      let target;
      try {
        target = parsePayload(Buffer.from(str(req, 'payload'), 'base64')).targetArtifact;
      } catch (err) {
        fail('VALIDATION_ERROR', `payload: ${errorMessage(err)}`);
      }
      if (inject === 'wrong-payload') target = { ...target, size: target.size + 1 };
      const seconds = req.expiryDurationInSeconds;
      const now = new Date();
      const env = await signEnvelope({
        format: type === 'application/jose+json' ? 'jws' : 'cose',
        payload: target,
        signer: LocalKeySigner.fromPem(keyPem, certPem),
        signingTime: now,
        ...(typeof seconds === 'number' && seconds > 0
          ? { expiry: new Date(now.getTime() + seconds * 1000) }
          : {}),
        signingAgent: `${TEST_PLUGIN_NAME}/${TEST_PLUGIN_VERSION}`,
      });
      return {
        signatureEnvelope: Buffer.from(env.bytes).toString('base64'),
        signatureEnvelopeType: type,
        annotations: { 'io.wharf.test-plugin': 'envelope' },
      };
    }
    case 'verify-signature': {
      // Answers per pluginConfig: verifyResult ok (default) | fail | omit | no-processed; the
      // request is written to dumpRequest when given, so tests can inspect it.
      checkContract(req);
      if (cfg.dumpRequest) writeFileSync(cfg.dumpRequest, JSON.stringify(req));
      const sig = req.signature as { unprocessedAttributes?: unknown } | undefined;
      const policy = req.trustPolicy as { signatureVerification?: unknown } | undefined;
      const caps = Array.isArray(policy?.signatureVerification) ? policy.signatureVerification : [];
      const results: Record<string, { success: boolean; reason?: string }> = {};
      if (cfg.verifyResult !== 'omit') {
        for (const c of caps) {
          results[String(c)] =
            cfg.verifyResult === 'fail'
              ? { success: false, reason: `wharf-test refuses ${String(c)}` }
              : { success: true };
        }
      }
      const unprocessed = Array.isArray(sig?.unprocessedAttributes)
        ? sig.unprocessedAttributes
        : [];
      return {
        verificationResults: results,
        processedAttributes: cfg.verifyResult === 'no-processed' ? [] : unprocessed,
      };
    }
    default:
      fail('VALIDATION_ERROR', `unknown command ${JSON.stringify(command)}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<number> {
  const command = process.argv[2] ?? '';
  let req: Json;
  try {
    const text = await readStdin();
    const parsed: unknown = text.trim() === '' ? {} : JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      fail('VALIDATION_ERROR', 'request must be a JSON object');
    }
    req = parsed as Json;
  } catch (err) {
    const f =
      err instanceof PluginFailure
        ? err
        : new PluginFailure('VALIDATION_ERROR', 'request is not valid JSON');
    process.stderr.write(JSON.stringify({ errorCode: f.code, errorMessage: f.message }));
    return 1;
  }
  const cfg = config(req);
  const signing = command === 'generate-signature' || command === 'generate-envelope';
  const applies = cfg.injectOn ? cfg.injectOn === command : signing;
  const inject = applies ? cfg.inject : undefined;
  if (inject?.startsWith('error:')) {
    process.stderr.write(
      JSON.stringify({ errorCode: inject.slice(6), errorMessage: `injected ${inject.slice(6)}` }),
    );
    return 1;
  }
  if (inject === 'exit') return 3;
  if (inject === 'secret-stderr') {
    process.stderr.write('SECRET-TOKEN-0123456789 should never be shown\n');
    return 1;
  }
  if (inject === 'hang') {
    await new Promise(() => setInterval(() => undefined, 1_000));
  }
  if (inject === 'garbage') {
    process.stdout.write('this is not JSON {');
    return 0;
  }
  if (inject?.startsWith('oversize:')) {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let left = Number(inject.slice(9));
    while (left > 0) {
      const ok = process.stdout.write(chunk);
      left -= chunk.length;
      if (!ok) await new Promise((r) => process.stdout.once('drain', r));
    }
    return 0;
  }
  try {
    const res = await handle(command, req, inject);
    process.stdout.write(JSON.stringify(res));
    return 0;
  } catch (err) {
    const f = err instanceof PluginFailure ? err : new PluginFailure('ERROR', errorMessage(err));
    process.stderr.write(JSON.stringify({ errorCode: f.code, errorMessage: f.message }));
    return 1;
  }
}

process.exitCode = await main();
