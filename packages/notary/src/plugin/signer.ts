/**
 * Signing through a Notary plugin: {@link PluginSigner} (capability `SIGNATURE_GENERATOR.RAW`:
 * Wharf builds the envelope, the plugin signs bytes) and {@link signWithPluginEnvelope}
 * (`SIGNATURE_GENERATOR.ENVELOPE`: the plugin returns the envelope, Wharf validates it).
 * @module
 */
import {
  ALGORITHMS,
  keySpecOf,
  verifyWithKey,
  type KeySpec,
  type SignatureAlgorithm,
} from '../algorithms.js';
import { findInvalidAt, parseCertificate, validateCertificateChain } from '../cert.js';
import { decodeBase64Std, decodeUtf8 } from '../encoding.js';
import { envelopeMediaType, parseEnvelope, verifyEnvelopeSignature } from '../envelope/index.js';
import type { EnvelopeFormat, ParsedEnvelope } from '../envelope/types.js';
import { NotaryError, errorMessage } from '../errors.js';
import { addUserMetadata, encodePayload, parsePayload, type TargetArtifact } from '../payload.js';
import type { SignedEnvelope } from '../sign.js';
import type { Signer } from '../signer.js';
import type { NotaryPlugin } from './client.js';
import { PLUGIN_CAPABILITY, type PluginConfig, type PluginMetadata } from './protocol.js';

/** What identifies a plugin key. */
export interface PluginKeyOptions {
  readonly plugin: NotaryPlugin;
  readonly keyId: string;
  readonly pluginConfig?: PluginConfig;
}

function decodeChain(name: string, chain: readonly string[]): Uint8Array[] {
  try {
    return chain.map((c, i) => decodeBase64Std(c, `certificateChain[${i}]`));
  } catch (err) {
    throw new NotaryError(
      'PLUGIN_RESPONSE_INVALID',
      `plugin "${name}" returned an invalid certificate chain: ${errorMessage(err)}`,
      { cause: err },
    );
  }
}

/**
 * A {@link Signer} backed by a plugin's `describe-key` and `generate-signature`. The plugin's
 * signature is checked against the leaf it returns, its algorithm against the key spec, and the
 * key spec against the leaf key.
 *
 * @example
 * const signer = await PluginSigner.create({ plugin, keyId: 'k1', pluginConfig });
 * const env = await signEnvelope({ format: 'jws', payload, signer });
 */
export class PluginSigner implements Signer {
  readonly metadata: PluginMetadata;
  readonly signingAgentSuffix: string;
  readonly #opts: PluginKeyOptions;
  readonly #spec: KeySpec;
  #chain: readonly Uint8Array[] | undefined;

  private constructor(opts: PluginKeyOptions, metadata: PluginMetadata, spec: KeySpec) {
    this.#opts = opts;
    this.metadata = metadata;
    this.#spec = spec;
    this.signingAgentSuffix = `${metadata.name}/${metadata.version}`;
  }

  /**
   * Reads the plugin's metadata (it must declare `SIGNATURE_GENERATOR.RAW`) and describes the key.
   *
   * @throws NotaryError `PLUGIN_*`
   */
  static async create(opts: PluginKeyOptions): Promise<PluginSigner> {
    const meta = await opts.plugin.getMetadata(opts.pluginConfig ?? {});
    if (!meta.capabilities.includes(PLUGIN_CAPABILITY.signatureGenerator)) {
      throw new NotaryError(
        'PLUGIN_INVALID',
        `plugin "${opts.plugin.name}" does not have the ${PLUGIN_CAPABILITY.signatureGenerator} capability`,
      );
    }
    const key = await opts.plugin.describeKey(opts.keyId, opts.pluginConfig ?? {});
    return new PluginSigner(opts, meta, key.keySpec);
  }

  keySpec(): Promise<KeySpec> {
    return Promise.resolve(this.#spec);
  }

  async signWithCertificateChain(
    payload: Uint8Array,
    algorithm: SignatureAlgorithm,
  ): Promise<{ signature: Uint8Array; certificateChain: readonly Uint8Array[] }> {
    const { plugin, keyId } = this.#opts;
    const info = ALGORITHMS.find((a) => a.keySpec === this.#spec);
    if (info?.algorithm !== algorithm) {
      throw new NotaryError(
        'UNSUPPORTED_ALGORITHM',
        `key ${keyId} of plugin "${plugin.name}" is ${this.#spec}, which does not sign with ${algorithm}`,
      );
    }
    const r = await plugin.generateSignature({
      keyId,
      keySpec: this.#spec,
      hashAlgorithm: info.hash,
      payload,
      pluginConfig: this.#opts.pluginConfig ?? {},
    });
    if (r.signingAlgorithm !== algorithm) {
      throw new NotaryError(
        'PLUGIN_RESPONSE_INVALID',
        `plugin "${plugin.name}" signed with ${r.signingAlgorithm}, ${algorithm} was requested`,
      );
    }
    const chain = decodeChain(plugin.name, r.certificateChain);
    const leaf = parseCertificate(chain[0] as Uint8Array);
    const leafSpec = keySpecOf(leaf.publicKey);
    if (leafSpec !== this.#spec) {
      throw new NotaryError(
        'PLUGIN_RESPONSE_INVALID',
        `plugin "${plugin.name}" described key ${keyId} as ${this.#spec} but its certificate holds a ${leafSpec} key`,
      );
    }
    const signature = decodeBase64Std(r.signature, 'signature');
    if (!verifyWithKey(leaf.publicKey, algorithm, payload, signature)) {
      throw new NotaryError(
        'SIGNATURE_INVALID',
        `plugin "${plugin.name}" returned a signature that does not verify with the certificate it returned`,
      );
    }
    this.#chain = chain;
    return { signature, certificateChain: chain };
  }

  async sign(payload: Uint8Array, algorithm: SignatureAlgorithm): Promise<Uint8Array> {
    return (await this.signWithCertificateChain(payload, algorithm)).signature;
  }

  /** The chain of the last signature (the plugin only returns it with a signature). */
  certificateChain(): Promise<readonly Uint8Array[]> {
    if (!this.#chain) {
      return Promise.reject(
        new NotaryError(
          'INVALID_ARGUMENT',
          'a plugin signer knows its certificate chain only after it has signed',
        ),
      );
    }
    return Promise.resolve(this.#chain);
  }
}

/** Inputs of {@link signWithPluginEnvelope}. */
export interface PluginEnvelopeOptions extends PluginKeyOptions {
  readonly format: EnvelopeFormat;
  readonly payload: TargetArtifact;
  readonly userMetadata?: Readonly<Record<string, string>>;
  /** Signature lifetime (`--expiry`), whole seconds. */
  readonly expirySeconds?: number;
  /** "Now" for the validity check of the returned chain (default: now). */
  readonly now?: Date;
}

/** An envelope made by a plugin, with the annotations it asked for on the signature manifest. */
export interface PluginSignedEnvelope extends SignedEnvelope {
  readonly annotations: Readonly<Record<string, string>>;
  readonly envelope: ParsedEnvelope;
}

const DESCRIPTOR_FIELDS = new Set([
  'mediaType',
  'digest',
  'size',
  'annotations',
  'artifactType',
  'urls',
  'platform',
  'data',
]);

/**
 * Asks a plugin with `SIGNATURE_GENERATOR.ENVELOPE` for a whole envelope, then parses it,
 * verifies its signature and chain, and checks that it signs exactly the requested descriptor
 * (mediaType, digest, size equal; requested annotations kept; nothing beside `targetArtifact`).
 *
 * @throws NotaryError `PLUGIN_*` | `ENVELOPE_MALFORMED` | `SIGNATURE_INVALID` | `CERT_*` | `TARGET_MISMATCH`
 */
export async function signWithPluginEnvelope(
  opts: PluginEnvelopeOptions,
): Promise<PluginSignedEnvelope> {
  const { plugin } = opts;
  const meta = await plugin.getMetadata(opts.pluginConfig ?? {});
  if (!meta.capabilities.includes(PLUGIN_CAPABILITY.envelopeGenerator)) {
    throw new NotaryError(
      'PLUGIN_INVALID',
      `plugin "${plugin.name}" does not have the ${PLUGIN_CAPABILITY.envelopeGenerator} capability`,
    );
  }
  const target = addUserMetadata(opts.payload, opts.userMetadata);
  const mediaType = envelopeMediaType(opts.format);
  const r = await plugin.generateEnvelope({
    keyId: opts.keyId,
    payload: encodePayload(target),
    signatureEnvelopeType: mediaType,
    ...(opts.expirySeconds === undefined ? {} : { expiryDurationInSeconds: opts.expirySeconds }),
    pluginConfig: opts.pluginConfig ?? {},
  });
  const bytes = decodeBase64Std(r.signatureEnvelope, 'signatureEnvelope');
  let env: ParsedEnvelope;
  try {
    env = parseEnvelope(bytes, mediaType);
  } catch (err) {
    throw new NotaryError(
      'PLUGIN_RESPONSE_INVALID',
      `plugin "${plugin.name}" returned an envelope that does not parse: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  const chain = verifyEnvelopeSignature(env);
  validateCertificateChain(chain, 'codeSigning');
  const at = env.signingTime ?? env.authenticSigningTime ?? opts.now ?? new Date();
  const bad = findInvalidAt(chain, at);
  if (bad) {
    throw new NotaryError(
      'CERT_EXPIRED',
      `certificate "${bad.subject}" is not valid at signing time`,
    );
  }
  checkEnvelopePayload(plugin.name, env.payload, target);
  return {
    bytes,
    mediaType,
    certificateChain: env.certificateChain,
    signingTime: at,
    annotations: r.annotations ?? {},
    envelope: env,
  };
}

function checkEnvelopePayload(name: string, bytes: Uint8Array, want: TargetArtifact): void {
  const mismatch = (why: string): never => {
    throw new NotaryError(
      'TARGET_MISMATCH',
      `plugin "${name}" returned an envelope whose payload ${why}`,
    );
  };
  let raw: unknown;
  try {
    raw = JSON.parse(decodeUtf8(bytes, 'payload'));
  } catch {
    mismatch('is not JSON');
  }
  const doc = raw as Record<string, unknown>;
  if (Object.keys(doc).some((k) => k !== 'targetArtifact')) {
    mismatch('has members beside targetArtifact');
  }
  const t = doc.targetArtifact as Record<string, unknown> | undefined;
  if (t && Object.keys(t).some((k) => !DESCRIPTOR_FIELDS.has(k))) {
    mismatch('has fields outside the OCI descriptor');
  }
  const got = parsePayload(bytes).targetArtifact;
  if (got.mediaType !== want.mediaType || got.digest !== want.digest || got.size !== want.size) {
    mismatch(
      `signs ${got.mediaType} ${got.digest} (${got.size} bytes), not the requested ${want.mediaType} ${want.digest} (${want.size} bytes)`,
    );
  }
  for (const [k, v] of Object.entries(want.annotations ?? {})) {
    if (got.annotations?.[k] !== v) mismatch(`lost or changed the annotation "${k}"`);
  }
}
