import { findInvalidAt, type Certificate } from './cert.js';
import { subjectMatchesIdentity } from './dn.js';
import { formatRfc1123z, formatRfc3339 } from './encoding.js';
import { parseEnvelope, verifyEnvelopeSignature } from './envelope/index.js';
import { HEADER, type ParsedEnvelope } from './envelope/types.js';
import {
  NotaryError,
  checkError,
  errorMessage,
  type NotaryErrorCode,
  type VerificationCheck,
} from './errors.js';
import { parsePayload, type NotaryPayload } from './payload.js';
import {
  createRevocationChecker,
  summarizeRevocation,
  type RevocationChecker,
} from './revocation.js';
import { verifyTimestampToken, type VerifiedTimestamp } from './timestamp.js';
import type { NotaryPlugin } from './plugin/client.js';
import { PLUGIN_CAPABILITY, type PluginConfig } from './plugin/protocol.js';
import type { CheckAction, TrustPolicyStatement, VerificationLevel } from './trust-policy.js';
import type { TrustStore, TrustStoreType } from './trust-store.js';

/** What the verified payload must describe (OCI: the resolved manifest; blob: the file). */
export interface ExpectedArtifact {
  readonly digest: string;
  readonly size: number;
  /** Compared only when given (blob verify without `--media-type`). */
  readonly mediaType?: string;
}

/** Inputs of {@link verify}. All trust material is passed in; the only I/O is via the interfaces. */
export interface VerifyOptions {
  readonly envelope: Uint8Array;
  /** `application/jose+json` or `application/cose`. */
  readonly envelopeMediaType: string;
  /** The selected statement (see `selectOciPolicy` / `selectBlobPolicy`). */
  readonly policy: TrustPolicyStatement;
  readonly trustStore: TrustStore;
  readonly expectedArtifact?: ExpectedArtifact;
  /** `-m key=value` pairs that must be in the signed annotations. */
  readonly userMetadata?: Readonly<Record<string, string>>;
  /** Verification time; default now. */
  readonly now?: Date;
  /** Revocation for the signing and TSA chains; default: no fetching (URL-bearing certs ⇒ unknown). */
  readonly revocationChecker?: RevocationChecker;
  /**
   * Locates the verification plugin a signature names (`io.cncf.notary.verificationPlugin`).
   * Without it such signatures fail with `PLUGIN_REQUIRED`.
   */
  readonly verificationPlugins?: VerificationPluginResolver;
}

/** How {@link verify} reaches verification plugins. */
export interface VerificationPluginResolver {
  /** E.g. `(name) => NotaryPlugin.open(pluginsDir, name)`. */
  open(name: string): Promise<NotaryPlugin>;
  /** `--plugin-config`. */
  readonly pluginConfig?: PluginConfig;
}

function semverParts(v: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** True when `version` >= `min` (release numbers; unparseable ⇒ false). */
function versionAtLeast(version: string, min: string): boolean {
  const a = semverParts(version);
  const b = semverParts(min);
  if (!a || !b) return false;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] as number) > (b[i] as number);
  return true;
}

/** Outcome of one check. */
export interface CheckOutcome {
  readonly check: VerificationCheck;
  readonly action: CheckAction;
  readonly status: 'passed' | 'failed' | 'skipped' | 'notRun';
  /** Failure reason (without the check prefix). */
  readonly reason?: string;
  readonly error?: NotaryError;
}

/** The verdict with every check's outcome. */
export interface VerificationResult {
  readonly ok: boolean;
  readonly policyName: string;
  readonly level: VerificationLevel;
  /** The five checks in spec order. */
  readonly checks: readonly CheckOutcome[];
  /** `<check> was set to "log" and failed with error: <reason>` for each logged failure. */
  readonly warnings: readonly string[];
  /** First enforced failure. */
  readonly error?: NotaryError;
  readonly envelope?: ParsedEnvelope;
  readonly certificateChain?: readonly Certificate[];
  readonly payload?: NotaryPayload;
  readonly timestamp?: VerifiedTimestamp;
  /** Signed annotations of the target artifact. */
  readonly userMetadata: Readonly<Record<string, string>>;
}

const ORDER: readonly VerificationCheck[] = [
  'integrity',
  'authenticity',
  'expiry',
  'authenticTimestamp',
  'revocation',
];

class Failure {
  readonly code: NotaryErrorCode;
  readonly reason: string;
  readonly cause: unknown;
  constructor(code: NotaryErrorCode, reason: string, cause?: unknown) {
    this.code = code;
    this.reason = reason;
    this.cause = cause;
  }
}

function validityMessage(cert: Certificate, at: Date, subjectOfTime: string): string {
  if (at.getTime() < cert.notBefore.getTime()) {
    return `${subjectOfTime} before certificate "${cert.subject}" validity period, it will be valid from "${formatRfc1123z(cert.notBefore)}"`;
  }
  return `${subjectOfTime} after certificate "${cert.subject}" validity period, it was expired at "${formatRfc1123z(cert.notAfter)}"`;
}

async function loadStores(
  policy: TrustPolicyStatement,
  store: TrustStore,
  type: TrustStoreType,
): Promise<Certificate[]> {
  const out: Certificate[] = [];
  for (const ref of policy.trustStores)
    if (ref.type === type) out.push(...(await store.certificates(ref.type, ref.name)));
  return out;
}

/**
 * Verifies one signature envelope against a trust policy statement: integrity, authenticity
 * (trust store + trusted identity), expiry, authentic timestamp, revocation — enforced or
 * logged per the level table and overrides — then the target artifact and user metadata.
 * Never throws for bad input; the verdict carries a coded {@link NotaryError} whose message
 * names the failed check.
 *
 * @example
 * const r = await verify({ envelope, envelopeMediaType: 'application/jose+json', policy, trustStore });
 * if (!r.ok) throw r.error;
 */
export async function verify(options: VerifyOptions): Promise<VerificationResult> {
  const { policy } = options;
  const now = options.now ?? new Date();
  const outcomes = new Map<VerificationCheck, CheckOutcome>();
  const warnings: string[] = [];
  let env: ParsedEnvelope | undefined;
  let chain: Certificate[] = [];
  let payload: NotaryPayload | undefined;
  let timestamp: VerifiedTimestamp | undefined;

  const result = (error?: NotaryError): VerificationResult => ({
    ok: error === undefined,
    policyName: policy.name,
    level: policy.level,
    checks: ORDER.map(
      (check) =>
        outcomes.get(check) ?? {
          check,
          action: policy.actions[check],
          status: policy.actions[check] === 'skip' ? 'skipped' : 'notRun',
        },
    ),
    warnings,
    ...(error ? { error } : {}),
    ...(env ? { envelope: env } : {}),
    ...(chain.length ? { certificateChain: chain } : {}),
    ...(payload ? { payload } : {}),
    ...(timestamp ? { timestamp } : {}),
    userMetadata: payload?.targetArtifact.annotations ?? {},
  });

  if (policy.level === 'skip') return result();

  /** Runs a check; returns the enforced error, if any. */
  const run = async (
    check: VerificationCheck,
    body: () => Promise<Failure | undefined> | Failure | undefined,
  ): Promise<NotaryError | undefined> => {
    const action = check === 'integrity' ? 'enforce' : policy.actions[check];
    if (action === 'skip') {
      outcomes.set(check, { check, action, status: 'skipped' });
      return undefined;
    }
    let failure: Failure | undefined;
    try {
      failure = await body();
    } catch (err) {
      const code = err instanceof NotaryError ? err.code : 'VERIFICATION_FAILED';
      failure = new Failure(code, errorMessage(err), err);
    }
    if (!failure) {
      outcomes.set(check, { check, action, status: 'passed' });
      return undefined;
    }
    const error = checkError(check, failure.code, failure.reason, failure.cause);
    outcomes.set(check, { check, action, status: 'failed', reason: failure.reason, error });
    if (action === 'log') {
      warnings.push(`${check} was set to "log" and failed with error: ${failure.reason}`);
      return undefined;
    }
    return error;
  };

  // 1. Integrity.
  let err = await run('integrity', () => {
    env = parseEnvelope(options.envelope, options.envelopeMediaType);
    chain = verifyEnvelopeSignature(env);
    payload = parsePayload(env.payload);
    return undefined;
  });
  if (err || !env) return result(err);
  const e: ParsedEnvelope = env;
  const leaf = chain[0] as Certificate;

  // 2. Verification plugin: located, version-checked and required to verify something.
  const unknownCritical = e.extendedAttributes.filter((a) => a.critical);
  let plugin: NotaryPlugin | undefined;
  let pluginCaps: string[] = [];
  const integrityFailure = (
    code: NotaryErrorCode,
    reason: string,
    cause?: unknown,
  ): VerificationResult => {
    const error = checkError('integrity', code, reason, cause);
    outcomes.set('integrity', {
      check: 'integrity',
      action: 'enforce',
      status: 'failed',
      reason,
      error,
    });
    return result(error);
  };
  if (e.verificationPlugin !== undefined) {
    const name = e.verificationPlugin;
    const wanted = `verification plugin "${name}"${e.verificationPluginMinVersion ? ` with version >= ${e.verificationPluginMinVersion}` : ''}`;
    if (!options.verificationPlugins) {
      return result(
        new NotaryError(
          'PLUGIN_REQUIRED',
          `plugin validation failed: signature requires ${wanted}, which is not available`,
          { detail: { check: 'integrity' } },
        ),
      );
    }
    try {
      plugin = await options.verificationPlugins.open(name);
      const meta = await plugin.getMetadata(options.verificationPlugins.pluginConfig ?? {});
      const min = e.verificationPluginMinVersion;
      if (min !== undefined && !versionAtLeast(meta.version, min)) {
        return integrityFailure(
          'PLUGIN_REQUIRED',
          `found plugin ${name} with version ${meta.version} but signature verification needs plugin version greater than or equal to ${min}`,
        );
      }
      pluginCaps = meta.capabilities.filter(
        (c) =>
          c === PLUGIN_CAPABILITY.trustedIdentityVerifier ||
          c === PLUGIN_CAPABILITY.revocationCheckVerifier,
      );
      if (pluginCaps.length === 0) {
        return integrityFailure(
          'PLUGIN_REQUIRED',
          `digital signature requires plugin "${name}" with signature verification capabilities (${PLUGIN_CAPABILITY.trustedIdentityVerifier} and/or ${PLUGIN_CAPABILITY.revocationCheckVerifier}) installed`,
        );
      }
    } catch (err) {
      return integrityFailure(
        'PLUGIN_REQUIRED',
        `signature requires ${wanted}: ${errorMessage(err)}`,
        err,
      );
    }
  }
  if (unknownCritical.length > 0 && !plugin) {
    const error = checkError(
      'integrity',
      'UNKNOWN_CRITICAL_ATTRIBUTE',
      `critical extended attribute(s) ${unknownCritical.map((a) => `"${a.key}"`).join(', ')} cannot be processed without a verification plugin`,
    );
    outcomes.set('integrity', {
      check: 'integrity',
      action: 'enforce',
      status: 'failed',
      reason: error.message,
      error,
    });
    return result(error);
  }
  const pluginIdentity = pluginCaps.includes(PLUGIN_CAPABILITY.trustedIdentityVerifier);
  const pluginRevocation = pluginCaps.includes(PLUGIN_CAPABILITY.revocationCheckVerifier);

  // 3. Authenticity: trust store byte match, then trusted identity.
  err = await run('authenticity', async () => {
    const type: TrustStoreType = e.signingScheme === 'notary.x509' ? 'ca' : 'signingAuthority';
    const trusted = await loadStores(policy, options.trustStore, type);
    if (trusted.length === 0)
      return new Failure(
        'CERT_UNTRUSTED',
        'no trusted certificates are found to verify authenticity',
      );
    const hit = chain.some((c) => trusted.some((t) => Buffer.compare(c.der, t.der) === 0));
    if (!hit)
      return new Failure(
        'CERT_UNTRUSTED',
        "the signature's certificate chain does not contain any trusted certificate",
      );
    if (policy.trustAnyIdentity || pluginIdentity) return undefined;
    if (policy.trustedSubjects.length === 0) {
      return new Failure(
        'IDENTITY_NOT_TRUSTED',
        'no x509.subject trusted identity is configured and identity plugins are not available',
      );
    }
    if (!subjectMatchesIdentity(leaf.subject, policy.trustedSubjects)) {
      return new Failure(
        'IDENTITY_NOT_TRUSTED',
        `signing certificate from the digital signature does not match the X.509 trusted identities defined in the trust policy "${policy.name}"`,
      );
    }
    return undefined;
  });
  if (err) return result(err);

  // 4. Expiry.
  err = await run('expiry', () =>
    e.expiry && now.getTime() >= e.expiry.getTime()
      ? new Failure(
          'SIGNATURE_EXPIRED',
          `digital signature has expired on "${formatRfc1123z(e.expiry)}"`,
        )
      : undefined,
  );
  if (err) return result(err);

  // 5. Authentic timestamp.
  err = await run('authenticTimestamp', async () => {
    if (e.signingScheme === 'notary.x509.signingAuthority') {
      const at = e.authenticSigningTime as Date;
      const bad = findInvalidAt(chain, at);
      return bad
        ? new Failure('CERT_EXPIRED', validityMessage(bad, at, 'authentic signing time is'))
        : undefined;
    }
    const hasTsa = policy.trustStores.some((s) => s.type === 'tsa');
    const expiredNow = findInvalidAt(chain, now);
    const stamp = hasTsa && (policy.verifyTimestamp === 'always' || expiredNow !== undefined);
    if (!stamp) {
      return expiredNow
        ? new Failure('CERT_EXPIRED', validityMessage(expiredNow, now, 'verification time is'))
        : undefined;
    }
    if (!e.timestampToken) {
      return new Failure(
        'TIMESTAMP_INVALID',
        'no timestamp countersignature was found in the signature envelope',
      );
    }
    const roots = await loadStores(policy, options.trustStore, 'tsa');
    const ts = verifyTimestampToken(e.timestampToken, { message: e.signature, roots });
    const checker = options.revocationChecker ?? createRevocationChecker();
    const rev = summarizeRevocation(
      await checker.checkChain(ts.chain, { now }),
      'timestamping certificate',
    );
    if (rev.status !== 'ok') {
      return new Failure(
        rev.status === 'revoked' ? 'CERT_REVOKED' : 'REVOCATION_UNKNOWN',
        `timestamp: ${rev.message ?? ''}`,
      );
    }
    for (const c of chain) {
      if (ts.lower.getTime() < c.notBefore.getTime()) {
        return new Failure('TIMESTAMP_INVALID', validityMessage(c, ts.lower, 'timestamp can be'));
      }
      if (ts.upper.getTime() > c.notAfter.getTime()) {
        return new Failure('TIMESTAMP_INVALID', validityMessage(c, ts.upper, 'timestamp can be'));
      }
    }
    timestamp = ts;
    return undefined;
  });
  if (err) return result(err);

  // 6. Revocation.
  err = await run('revocation', async () => {
    if (pluginRevocation) return undefined; // the plugin checks revocation (step 7)
    const checker = options.revocationChecker ?? createRevocationChecker();
    const rev = summarizeRevocation(
      await checker.checkChain(chain, {
        now,
        ...(e.authenticSigningTime ? { signingTime: e.authenticSigningTime } : {}),
      }),
    );
    if (rev.status === 'revoked') return new Failure('CERT_REVOKED', rev.message ?? 'revoked');
    if (rev.status === 'unknown')
      return new Failure('REVOCATION_UNKNOWN', rev.message ?? 'unknown');
    return undefined;
  });
  if (err) return result(err);

  // 7. The verification plugin's verify-signature for the capabilities it took over.
  if (plugin) {
    const requested = pluginCaps.filter((c) =>
      c === PLUGIN_CAPABILITY.trustedIdentityVerifier
        ? policy.actions.authenticity !== 'skip'
        : policy.actions.revocation !== 'skip',
    );
    if (requested.length > 0) {
      const critical: Record<string, unknown> = {
        contentType: e.contentType,
        signingScheme: e.signingScheme,
        ...(e.expiry ? { expiry: formatRfc3339(e.expiry) } : {}),
        ...(e.authenticSigningTime
          ? { authenticSigningTime: formatRfc3339(e.authenticSigningTime) }
          : {}),
        extendedAttributes: {
          [HEADER.verificationPlugin]: e.verificationPlugin,
          ...(e.verificationPluginMinVersion
            ? { [HEADER.verificationPluginMinVersion]: e.verificationPluginMinVersion }
            : {}),
          ...Object.fromEntries(unknownCritical.map((a) => [a.key, a.value])),
        },
      };
      let resp;
      try {
        resp = await plugin.verifySignature({
          signature: {
            criticalAttributes: critical,
            unprocessedAttributes: unknownCritical.map((a) => a.key),
            certificateChain: e.certificateChain.map((c) => Buffer.from(c).toString('base64')),
          },
          trustPolicy: {
            trustedIdentities: policy.trustedIdentities,
            signatureVerification: requested,
          },
          pluginConfig: options.verificationPlugins?.pluginConfig ?? {},
        });
      } catch (cause) {
        return integrityFailure(
          cause instanceof NotaryError ? cause.code : 'PLUGIN_ERROR',
          `verification plugin "${plugin.name}" failed: ${errorMessage(cause)}`,
          cause,
        );
      }
      for (const cap of requested) {
        const r = resp.verificationResults[cap];
        if (!r) {
          return integrityFailure(
            'PLUGIN_ERROR',
            `verification plugin "${plugin.name}" did not return a result for ${cap} (inconclusive)`,
          );
        }
        const identity = cap === PLUGIN_CAPABILITY.trustedIdentityVerifier;
        err = await run(identity ? 'authenticity' : 'revocation', () =>
          r.success
            ? undefined
            : new Failure(
                identity ? 'IDENTITY_NOT_TRUSTED' : 'CERT_REVOKED',
                `verification plugin "${plugin.name}": ${r.reason ?? `${cap} failed`}`,
              ),
        );
        if (err) return result(err);
      }
      const processed = new Set(resp.processedAttributes ?? []);
      const left = unknownCritical.filter((a) => !processed.has(a.key));
      if (left.length > 0) {
        return integrityFailure(
          'UNKNOWN_CRITICAL_ATTRIBUTE',
          `verification plugin "${plugin.name}" did not process the critical attribute(s) ${left.map((a) => `"${a.key}"`).join(', ')}`,
        );
      }
    }
  }

  // 8. Target artifact and user metadata (always enforced).
  const target = payload?.targetArtifact;
  const want = options.expectedArtifact;
  if (target && want) {
    const diffs: string[] = [];
    if (target.digest !== want.digest) diffs.push(`digest ${target.digest} != ${want.digest}`);
    if (target.size !== want.size) diffs.push(`size ${target.size} != ${want.size}`);
    if (want.mediaType !== undefined && target.mediaType !== want.mediaType) {
      diffs.push(`mediaType ${target.mediaType} != ${want.mediaType}`);
    }
    if (diffs.length) {
      return result(
        new NotaryError(
          'TARGET_MISMATCH',
          `target artifact check failed: the signed descriptor does not match the artifact (${diffs.join(', ')})`,
          {
            detail: { check: 'targetArtifact' },
          },
        ),
      );
    }
  }
  for (const [k, v] of Object.entries(options.userMetadata ?? {})) {
    if (target?.annotations?.[k] !== v) {
      return result(
        new NotaryError(
          'USER_METADATA_MISMATCH',
          `user metadata check failed: unable to find specified metadata "${k}=${v}" in the signature`,
          {
            detail: { check: 'userMetadata' },
          },
        ),
      );
    }
  }
  return result();
}
