/**
 * Signs one manifest already in a writable target with notation's key selection and defaults,
 * for commands that sign what they just pushed (`wharf sbom --attach --sign`). `wharf sign`
 * resolves a user reference first; this takes the descriptor directly.
 * @module
 */
import { readFile } from 'node:fs/promises';
import type { Descriptor } from '@wharf/core';
import {
  ALGORITHMS,
  createHttpTimestamper,
  parseCertificates,
  signWithPluginEnvelope,
  type EnvelopeFormat,
} from '@wharf/notary';
import {
  pushSignature,
  readNotationConfig,
  signArtifact,
  type SignArtifactResult,
} from '@wharf/notation';
import type { CommandContext } from '../deps.js';
import type { WriteTarget } from '../oras/target.js';
import { usageError } from '../usage.js';
import { fileArg, keyValues, pathsOf } from './common.js';
import { parseGoDuration, resolveSigner } from './signer.js';

/** Signing agent Wharf writes (plugins append ` <name>/<version>`). */
const SIGNING_AGENT = 'wharf/0.1.0';

/** The `wharf sign` flags that apply when signing a manifest Wharf pushed itself. */
export interface ManifestSignFlags {
  readonly key?: string;
  readonly id?: string;
  readonly plugin?: string;
  readonly pluginConfig?: readonly string[];
  readonly signatureFormat?: string;
  readonly expiry?: string;
  readonly userMetadata?: readonly string[];
  /** `--timestamp-url` (with `timestampRootCert`; `wharf sign`). */
  readonly timestampUrl?: string;
  /** `--timestamp-root-cert <file>`. */
  readonly timestampRootCert?: string;
  /** `--legacy-manifest`: notation v1.3's signature manifest form. */
  readonly legacyManifest?: boolean;
}

/** A prepared signer: flags checked and the key resolved, before anything is pushed. */
export interface ManifestSigner {
  sign(store: WriteTarget, subject: Descriptor, signal: AbortSignal): Promise<SignArtifactResult>;
}

/**
 * Checks the flags and resolves the key (signingkeys.json default, `--key`, or `--id`/`--plugin`)
 * so a bad flag or a missing key fails before anything is pushed.
 *
 * @throws WharfError `USAGE`; NotationError `KEY_NOT_FOUND`; NotaryError `PLUGIN_*` | `KEY_INVALID`
 */
export async function prepareManifestSigner(
  ctx: CommandContext,
  flags: ManifestSignFlags,
): Promise<ManifestSigner> {
  const paths = pathsOf(ctx);
  const config = await readNotationConfig(paths);
  const fmt = flags.signatureFormat ?? config.signatureFormat ?? 'jws';
  if (fmt !== 'jws' && fmt !== 'cose') {
    throw usageError(`--signature-format "${fmt}" is not supported (jws or cose)`);
  }
  const format: EnvelopeFormat = fmt;
  const expiryMs = flags.expiry !== undefined ? parseGoDuration(flags.expiry) : undefined;
  const userMetadata = keyValues(flags.userMetadata, '--user-metadata');
  const pluginConfig = keyValues(flags.pluginConfig, '--plugin-config');
  if ((flags.timestampUrl === undefined) !== (flags.timestampRootCert === undefined)) {
    throw usageError('--timestamp-url and --timestamp-root-cert are required together');
  }
  const manifestForm = flags.legacyManifest ? ('legacy' as const) : ('oci-1.1' as const);
  const resolved = await resolveSigner(paths, {
    ...(flags.key !== undefined ? { key: flags.key } : {}),
    ...(flags.id !== undefined ? { id: flags.id } : {}),
    ...(flags.plugin !== undefined ? { plugin: flags.plugin } : {}),
    pluginConfig,
  });
  if (resolved.kind === 'envelope' && flags.timestampUrl !== undefined) {
    throw usageError(
      '--timestamp-url cannot be used with a plugin that generates envelopes (the plugin timestamps)',
    );
  }
  const timestampRoots =
    flags.timestampRootCert !== undefined
      ? parseCertificates(await readFile(fileArg(ctx, flags.timestampRootCert))).map((c) => c.der)
      : undefined;
  return {
    async sign(store, subject, signal) {
      if (resolved.kind === 'signer') {
        const signingTime = new Date();
        return signArtifact({
          target: store,
          subject,
          signer: resolved.signer,
          format,
          signingTime,
          ...(expiryMs !== undefined ? { expiry: new Date(signingTime.getTime() + expiryMs) } : {}),
          userMetadata,
          signingAgent: SIGNING_AGENT,
          ...(flags.timestampUrl !== undefined
            ? { timestamper: createHttpTimestamper({ url: flags.timestampUrl }) }
            : {}),
          ...(timestampRoots ? { timestampRoots } : {}),
          manifestForm,
          signal,
        });
      }
      const key = await resolved.plugin.describeKey(resolved.keyId, resolved.pluginConfig);
      if (!ALGORITHMS.some((a) => a.keySpec === key.keySpec)) {
        throw usageError(`plugin key spec ${key.keySpec} is not supported`);
      }
      const envelope = await signWithPluginEnvelope({
        plugin: resolved.plugin,
        keyId: resolved.keyId,
        pluginConfig: resolved.pluginConfig,
        format,
        payload: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
        userMetadata,
        ...(expiryMs !== undefined ? { expirySeconds: Math.floor(expiryMs / 1000) } : {}),
      });
      return pushSignature({
        target: store,
        subject,
        envelope,
        manifestForm,
        manifestAnnotations: envelope.annotations,
        signal,
      });
    },
  };
}
