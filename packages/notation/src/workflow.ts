import {
  fetchAll,
  pushBytes,
  type Exister,
  type Fetcher,
  type Pusher,
  type ReferrerLister,
} from '@wharf/content';
import type { WharfError } from '@wharf/core';
import { ARTIFACT_TYPE_NOTARY_SIGNATURE, isWharfError, type Descriptor } from '@wharf/core';
import {
  NotaryError,
  errorMessage,
  selectOciPolicy,
  signEnvelope,
  verify,
  type EnvelopeFormat,
  type ExtendedAttribute,
  type RevocationChecker,
  type SignedEnvelope,
  type Signer,
  type SigningScheme,
  type Timestamper,
  type TrustPolicyDocument,
  type TrustPolicyStatement,
  type TrustStore,
  type VerificationCheck,
  type VerificationPluginResolver,
  type VerificationResult,
} from '@wharf/notary';
import {
  MAX_ENVELOPE_BLOB_BYTES,
  MAX_SIGNATURE_MANIFEST_BYTES,
  buildSignatureManifest,
  parseSignatureManifest,
  type SignatureManifest,
  type SignatureManifestForm,
} from './signature-manifest.js';
import { NotationError } from './errors.js';

/** Where signatures are pushed: a registry repository or an OCI layout store. */
export type SignatureTarget = Pusher & Exister;
/** Where signatures are read from. */
export type SignatureSource = Fetcher & ReferrerLister;

/** Inputs of {@link signArtifact}. */
export interface SignArtifactOptions {
  /**
   * The repository or layout to push to. For registries, the referrers mode (API, tag schema,
   * or forced tag schema for `--force-referrers-tag`) is the repository's own
   * (`RemoteRepository` option `referrersMode`): pushing a manifest with a `subject` maintains
   * the `sha256-<hex>` tag index when the API is absent or the tag mode is forced.
   */
  readonly target: SignatureTarget;
  /** The manifest to sign, as resolved (mediaType, digest, size). */
  readonly subject: Descriptor;
  readonly signer: Signer;
  /** `jws` or `cose` (notation's CLI default: `config.json` `signatureFormat`, else `jws`). */
  readonly format: EnvelopeFormat;
  readonly signingScheme?: SigningScheme;
  readonly expiry?: Date;
  readonly signingTime?: Date;
  /** `-m k=v` metadata. */
  readonly userMetadata?: Readonly<Record<string, string>>;
  readonly extendedAttributes?: readonly ExtendedAttribute[];
  readonly signingAgent?: string;
  readonly timestamper?: Timestamper;
  readonly timestampRoots?: readonly Uint8Array[];
  /** Default `oci-1.1`; `legacy` writes notation ≤ v1.3's form (what v1.3 reads in OCI layouts). */
  readonly manifestForm?: SignatureManifestForm;
  /** Extra signature manifest annotations. */
  readonly manifestAnnotations?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

/** What {@link signArtifact} pushed. */
export interface SignArtifactResult {
  /** The signature manifest (with `artifactType` and annotations). */
  readonly manifest: Descriptor;
  readonly envelopeDescriptor: Descriptor;
  readonly envelope: SignedEnvelope;
}

/**
 * Signs a manifest in a repository or layout: builds the envelope (`signEnvelope`), pushes the
 * envelope blob, the empty config, then the signature manifest by digest with `subject`
 * (a referrer of the signed manifest).
 *
 * @throws NotaryError from signing; registry/content errors from pushing
 * @example
 * const { manifest } = await signArtifact({ target: repo, subject, signer, format: 'cose' });
 */
export async function signArtifact(options: SignArtifactOptions): Promise<SignArtifactResult> {
  const { target, subject } = options;
  const envelope = await signEnvelope({
    format: options.format,
    payload: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    signer: options.signer,
    ...(options.signingScheme ? { signingScheme: options.signingScheme } : {}),
    ...(options.signingTime ? { signingTime: options.signingTime } : {}),
    ...(options.expiry ? { expiry: options.expiry } : {}),
    ...(options.userMetadata ? { userMetadata: options.userMetadata } : {}),
    ...(options.extendedAttributes ? { extendedAttributes: options.extendedAttributes } : {}),
    ...(options.signingAgent ? { signingAgent: options.signingAgent } : {}),
    ...(options.timestamper ? { timestamper: options.timestamper } : {}),
    ...(options.timestampRoots ? { timestampRoots: options.timestampRoots } : {}),
  });
  return pushSignature({
    target,
    subject,
    envelope,
    ...(options.manifestForm ? { manifestForm: options.manifestForm } : {}),
    ...(options.manifestAnnotations ? { manifestAnnotations: options.manifestAnnotations } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** Inputs of {@link pushSignature}. */
export interface PushSignatureOptions {
  readonly target: SignatureTarget;
  readonly subject: Descriptor;
  /** A produced envelope (`signEnvelope`, or a plugin's `generate-envelope`). */
  readonly envelope: SignedEnvelope;
  readonly manifestForm?: SignatureManifestForm;
  readonly manifestAnnotations?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

/**
 * Pushes an envelope blob, the empty config and the signature manifest (by digest, with
 * `subject`), so the signature becomes a referrer of `subject`.
 *
 * @example const { manifest } = await pushSignature({ target: repo, subject, envelope });
 */
export async function pushSignature(options: PushSignatureOptions): Promise<SignArtifactResult> {
  const { target, subject, envelope } = options;
  const built = buildSignatureManifest({
    envelope: envelope.bytes,
    envelopeMediaType: envelope.mediaType,
    certificateChain: envelope.certificateChain,
    signingTime: envelope.signingTime,
    subject,
    ...(options.manifestForm ? { form: options.manifestForm } : {}),
    ...(options.manifestAnnotations ? { annotations: options.manifestAnnotations } : {}),
  });
  const signal = options.signal ? { signal: options.signal } : {};
  await pushBytes(target, envelope.mediaType, envelope.bytes, signal);
  if (!(await target.exists(built.configDescriptor, signal))) {
    await pushBytes(target, built.configDescriptor.mediaType, built.configBytes, signal);
  }
  const manifestDesc = {
    mediaType: built.descriptor.mediaType,
    digest: built.descriptor.digest,
    size: built.descriptor.size,
  };
  if (!(await target.exists(manifestDesc, signal))) {
    await target.push(manifestDesc, built.bytes, signal);
  }
  return { manifest: built.descriptor, envelopeDescriptor: built.envelopeDescriptor, envelope };
}

/** Options of {@link listSignatures}. */
export interface ListSignaturesOptions {
  readonly signal?: AbortSignal;
}

/**
 * The signature manifests of `subject` (referrers of type `application/vnd.cncf.notary.signature`,
 * which also matches legacy manifests: their config media type is that type), in the order the
 * registry or layout lists them.
 */
export async function listSignatures(
  source: ReferrerLister,
  subject: Descriptor,
  options: ListSignaturesOptions = {},
): Promise<Descriptor[]> {
  return source.referrers(subject, {
    artifactType: ARTIFACT_TYPE_NOTARY_SIGNATURE,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** A fetched signature: the manifest and its envelope bytes. */
export interface FetchedSignature {
  readonly descriptor: Descriptor;
  readonly manifest: SignatureManifest;
  readonly envelope: Uint8Array;
}

/**
 * Fetches and checks one signature manifest and its envelope (size caps of notation-go; the
 * manifest's subject must be `subject` when given).
 *
 * @throws NotationError `SIGNATURE_MANIFEST_INVALID`; content errors
 */
export async function fetchSignature(
  source: Fetcher,
  descriptor: Descriptor,
  options: { readonly subject?: Descriptor; readonly signal?: AbortSignal } = {},
): Promise<FetchedSignature> {
  const signal = options.signal ? { signal: options.signal } : {};
  const bytes = await fetchAll(source, descriptor, {
    ...signal,
    maxBytes: MAX_SIGNATURE_MANIFEST_BYTES,
  });
  const manifest = parseSignatureManifest(bytes, descriptor.mediaType);
  if (options.subject && manifest.subject && manifest.subject.digest !== options.subject.digest) {
    throw new NotationError(
      'SIGNATURE_MANIFEST_INVALID',
      `signature manifest ${descriptor.digest} refers to ${manifest.subject.digest}, not ${options.subject.digest}`,
    );
  }
  const envelope = await fetchAll(source, manifest.envelope, {
    ...signal,
    maxBytes: MAX_ENVELOPE_BLOB_BYTES,
  });
  return { descriptor, manifest, envelope };
}

/** Inputs of {@link verifyArtifact}. */
export interface VerifyArtifactOptions {
  readonly source: SignatureSource;
  /** The resolved manifest. */
  readonly subject: Descriptor;
  /**
   * The name trust policy scopes are matched against: `registry/repo` for registries, the
   * `--scope` value for OCI layouts. The policy is selected for `<scope>@<subject digest>`.
   */
  readonly scope: string;
  readonly policy: TrustPolicyDocument;
  readonly trustStore: TrustStore;
  readonly userMetadata?: Readonly<Record<string, string>>;
  readonly revocationChecker?: RevocationChecker;
  /** How signatures naming a verification plugin reach it (without: `PLUGIN_REQUIRED`). */
  readonly verificationPlugins?: VerificationPluginResolver;
  readonly now?: Date;
  /** Default 100 (`--max-signatures`); more signatures than this ⇒ failure. */
  readonly maxSignatures?: number;
  readonly signal?: AbortSignal;
}

/** One signature tried by {@link verifyArtifact}. */
export interface SignatureAttempt {
  readonly signature: Descriptor;
  /** The verdict, when the envelope could be fetched. */
  readonly result?: VerificationResult;
  /** Fetch or manifest error, when it could not. */
  readonly error?: WharfError;
}

/** The verdict of {@link verifyArtifact}. */
export interface ArtifactVerification {
  readonly ok: boolean;
  /** `<scope>@<digest>`. */
  readonly reference: string;
  readonly subject: Descriptor;
  readonly policy: TrustPolicyStatement;
  /** True when the policy level is `skip` (nothing was fetched). */
  readonly skipped: boolean;
  /** The signature that verified (first success wins). */
  readonly signature?: Descriptor;
  /** Its result (warnings for logged failures, signed user metadata). */
  readonly result?: VerificationResult;
  /** Every signature tried, in order. */
  readonly attempts: readonly SignatureAttempt[];
  /** Why verification failed (`NO_SIGNATURE`, `VERIFICATION_FAILED`, or the single failure). */
  readonly error?: WharfError;
}

/**
 * Verifies an artifact as notation does: selects the OCI trust policy for `<scope>@<digest>`
 * (`skip` ⇒ success without fetching), lists the signature manifests, and verifies each in
 * order until one passes (first success wins). With one failing signature its error is
 * returned; with several, `VERIFICATION_FAILED` naming all of them. Never throws for a bad
 * signature; throws for a missing policy match.
 *
 * @throws NotaryError `NO_MATCHING_POLICY`; registry errors while listing
 * @example
 * const v = await verifyArtifact({ source: repo, subject, scope: 'localhost:5000/app', policy, trustStore });
 */
export async function verifyArtifact(
  options: VerifyArtifactOptions,
): Promise<ArtifactVerification> {
  const { subject } = options;
  const reference = `${options.scope}@${subject.digest}`;
  const policy = selectOciPolicy(options.policy, reference);
  const base = { reference, subject, policy };
  if (policy.level === 'skip') return { ...base, ok: true, skipped: true, attempts: [] };
  const signal = options.signal ? { signal: options.signal } : {};
  const max = options.maxSignatures ?? 100;
  const signatures = await listSignatures(options.source, subject, signal);
  if (signatures.length === 0) {
    return {
      ...base,
      ok: false,
      skipped: false,
      attempts: [],
      error: new NotaryError(
        'NO_SIGNATURE',
        `no signature is associated with "${reference}", make sure the artifact was signed successfully`,
      ),
    };
  }
  const attempts: SignatureAttempt[] = [];
  for (const signature of signatures.slice(0, max)) {
    let fetched: FetchedSignature;
    try {
      fetched = await fetchSignature(options.source, signature, { subject, ...signal });
    } catch (err) {
      if (isWharfError(err, 'ABORTED')) throw err;
      attempts.push({
        signature,
        error: isWharfError(err)
          ? err
          : new NotationError('IO_ERROR', `signature ${signature.digest}: ${errorMessage(err)}`, {
              cause: err,
            }),
      });
      continue;
    }
    const result = await verify({
      envelope: fetched.envelope,
      envelopeMediaType: fetched.manifest.envelope.mediaType,
      policy,
      trustStore: options.trustStore,
      expectedArtifact: {
        mediaType: subject.mediaType,
        digest: subject.digest,
        size: subject.size,
      },
      ...(options.userMetadata ? { userMetadata: options.userMetadata } : {}),
      ...(options.revocationChecker ? { revocationChecker: options.revocationChecker } : {}),
      ...(options.verificationPlugins ? { verificationPlugins: options.verificationPlugins } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    attempts.push({ signature, result });
    if (result.ok) {
      return { ...base, ok: true, skipped: false, signature, result, attempts };
    }
  }
  if (signatures.length > max && attempts.every((a) => !a.result?.ok)) {
    return {
      ...base,
      ok: false,
      skipped: false,
      attempts,
      error: new NotaryError(
        'VERIFICATION_FAILED',
        `signature evaluation stopped. The configured limit of ${max} signatures to verify per artifact exceeded`,
      ),
    };
  }
  const last = attempts[attempts.length - 1] as SignatureAttempt;
  const single = attempts.length === 1 ? (last.result?.error ?? last.error) : undefined;
  return {
    ...base,
    ok: false,
    skipped: false,
    attempts,
    ...(last.result ? { result: last.result, signature: last.signature } : {}),
    error:
      single ??
      new NotaryError(
        'VERIFICATION_FAILED',
        `signature verification failed for all the signatures associated with ${reference}`,
        { detail: { failures: attempts.map((a) => failureText(a)) } },
      ),
  };
}

function failureText(a: SignatureAttempt): string {
  const err = a.result?.error ?? a.error;
  return `${a.signature.digest}: ${err ? err.message : 'failed'}`;
}

/** The check that failed first (enforced), if any. */
export function failedCheck(result: VerificationResult): VerificationCheck | undefined {
  return result.checks.find((c) => c.status === 'failed' && c.action === 'enforce')?.check;
}
