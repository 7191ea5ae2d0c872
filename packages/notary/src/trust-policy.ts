import { z } from 'zod';
import { NotaryError, type VerificationCheck } from './errors.js';
import { parseDistinguishedName, checkIdentityOverlap } from './dn.js';

/** Verification levels. */
export type VerificationLevel = 'strict' | 'permissive' | 'audit' | 'skip';
/** What a failed check does. */
export type CheckAction = 'enforce' | 'log' | 'skip';

/** notary.md §4.4: the exact level table. */
export const LEVEL_ACTIONS: Readonly<
  Record<VerificationLevel, Readonly<Record<VerificationCheck, CheckAction>>>
> = {
  strict: {
    integrity: 'enforce',
    authenticity: 'enforce',
    authenticTimestamp: 'enforce',
    expiry: 'enforce',
    revocation: 'enforce',
  },
  permissive: {
    integrity: 'enforce',
    authenticity: 'enforce',
    authenticTimestamp: 'log',
    expiry: 'log',
    revocation: 'log',
  },
  audit: {
    integrity: 'enforce',
    authenticity: 'log',
    authenticTimestamp: 'log',
    expiry: 'log',
    revocation: 'log',
  },
  skip: {
    integrity: 'skip',
    authenticity: 'skip',
    authenticTimestamp: 'skip',
    expiry: 'skip',
    revocation: 'skip',
  },
};

const overrideAction = z.enum(['enforce', 'log']);
const signatureVerificationSchema = z.strictObject({
  level: z.enum(['strict', 'permissive', 'audit', 'skip']),
  override: z
    .strictObject({
      authenticity: overrideAction.optional(),
      authenticTimestamp: overrideAction.optional(),
      expiry: overrideAction.optional(),
      revocation: z.enum(['enforce', 'log', 'skip']).optional(),
    })
    .optional(),
  verifyTimestamp: z.enum(['', 'always', 'afterCertExpiry']).optional(),
});

const statementBase = {
  name: z.string().min(1, 'name must be non-empty'),
  signatureVerification: signatureVerificationSchema,
  trustStores: z.array(z.string()).optional(),
  trustedIdentities: z.array(z.string()).optional(),
};
const ociStatementSchema = z.strictObject({
  ...statementBase,
  registryScopes: z.array(z.string()).min(1, 'registryScopes must be non-empty'),
});
const blobStatementSchema = z.strictObject({
  ...statementBase,
  globalPolicy: z.boolean().optional(),
});
const ociDocSchema = z.strictObject({
  version: z.literal('1.0', { message: 'version must be "1.0"' }),
  trustPolicies: z
    .array(ociStatementSchema)
    .min(1, 'trustPolicies must have at least one statement'),
});
const blobDocSchema = z.strictObject({
  version: z.literal('1.0', { message: 'version must be "1.0"' }),
  trustPolicies: z
    .array(blobStatementSchema)
    .min(1, 'trustPolicies must have at least one statement'),
});

/** A parsed `trustStores` entry. */
export interface TrustStoreRef {
  readonly type: 'ca' | 'signingAuthority' | 'tsa';
  readonly name: string;
}

/** A validated trust policy statement (OCI or blob). */
export interface TrustPolicyStatement {
  readonly name: string;
  readonly registryScopes?: readonly string[];
  readonly globalPolicy?: boolean;
  readonly level: VerificationLevel;
  /** Effective action per check (level table + overrides). */
  readonly actions: Readonly<Record<VerificationCheck, CheckAction>>;
  readonly verifyTimestamp: 'always' | 'afterCertExpiry';
  readonly trustStores: readonly TrustStoreRef[];
  /** `"*"` or `x509.subject:` DNs as attribute maps; other prefixes are kept in `otherIdentities`. */
  readonly trustAnyIdentity: boolean;
  readonly trustedSubjects: readonly ReadonlyMap<string, string>[];
  readonly otherIdentities: readonly string[];
  /** The `trustedIdentities` entries as written (sent to verification plugins). */
  readonly trustedIdentities: readonly string[];
}

/** A validated trust policy document. */
export interface TrustPolicyDocument {
  readonly kind: 'oci' | 'blob';
  readonly version: '1.0';
  readonly statements: readonly TrustPolicyStatement[];
}

function invalid(msg: string): never {
  throw new NotaryError('POLICY_INVALID', `trust policy: ${msg}`);
}

const STORE_NAME = /^[a-zA-Z0-9_.-]+$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** True for a valid non-wildcard registry scope `domain[:port]/repo/path`. */
export function isValidRegistryScope(scope: string): boolean {
  const i = scope.indexOf('/');
  if (i <= 0) return false;
  const domain = scope.slice(0, i);
  const path = scope.slice(i + 1).split('/');
  return DOMAIN.test(domain) && path.length > 0 && path.every((p) => PATH_COMPONENT.test(p));
}

function parseInput(input: unknown): unknown {
  if (typeof input === 'string' || input instanceof Uint8Array) {
    try {
      return JSON.parse(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
    } catch (err) {
      throw new NotaryError('POLICY_INVALID', 'trust policy: not valid JSON', { cause: err });
    }
  }
  return input;
}

function zodMessage(err: z.ZodError): string {
  const issue = err.issues[0];
  if (!issue) return 'invalid document';
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  return `${path ? `${path.replace(/^\./, '')}: ` : ''}${issue.message}`;
}

type RawStatement = z.infer<typeof ociStatementSchema> | z.infer<typeof blobStatementSchema>;

function buildStatement(s: RawStatement): TrustPolicyStatement {
  const sv = s.signatureVerification;
  const where = `statement "${s.name}"`;
  if (sv.level === 'skip') {
    if (sv.override && Object.keys(sv.override).length > 0)
      invalid(`${where}: level skip cannot have overrides`);
    if ((s.trustStores?.length ?? 0) > 0 || (s.trustedIdentities?.length ?? 0) > 0) {
      invalid(`${where}: level skip must not have trustStores or trustedIdentities`);
    }
  } else {
    if (!s.trustStores || s.trustStores.length === 0) invalid(`${where}: trustStores is required`);
    if (!s.trustedIdentities || s.trustedIdentities.length === 0)
      invalid(`${where}: trustedIdentities is required`);
  }
  const seenStores = new Set<string>();
  const trustStores: TrustStoreRef[] = [];
  for (const entry of s.trustStores ?? []) {
    const m = /^(ca|signingAuthority|tsa):(.*)$/.exec(entry);
    if (!m || !STORE_NAME.test(m[2] ?? '')) {
      invalid(
        `${where}: trust store "${entry}" must be <ca|signingAuthority|tsa>:<name> with name [a-zA-Z0-9_.-]+`,
      );
    }
    if (seenStores.has(entry)) continue;
    seenStores.add(entry);
    trustStores.push({ type: m[1] as TrustStoreRef['type'], name: m[2] as string });
  }
  const ids = s.trustedIdentities ?? [];
  const trustAnyIdentity = ids.includes('*');
  if (trustAnyIdentity && ids.length > 1)
    invalid(`${where}: wildcard identity "*" must be the only entry`);
  const trustedSubjects: ReadonlyMap<string, string>[] = [];
  const otherIdentities: string[] = [];
  if (!trustAnyIdentity) {
    for (const id of ids) {
      const i = id.indexOf(':');
      if (i <= 0) invalid(`${where}: trusted identity "${id}" must be "*" or <prefix>:<value>`);
      const prefix = id.slice(0, i).trim();
      if (prefix === 'x509.subject') {
        try {
          trustedSubjects.push(parseDistinguishedName(id.slice(i + 1), true));
        } catch (err) {
          invalid(`${where}: trusted identity "${id}": ${(err as Error).message}`);
        }
      } else otherIdentities.push(id);
    }
    const overlap = checkIdentityOverlap(trustedSubjects);
    if (overlap) invalid(`${where}: trusted identities overlap (${overlap})`);
  }
  const actions = { ...LEVEL_ACTIONS[sv.level] };
  for (const [k, v] of Object.entries(sv.override ?? {})) {
    if (v !== undefined) actions[k as VerificationCheck] = v;
  }
  return {
    name: s.name,
    ...('registryScopes' in s ? { registryScopes: s.registryScopes } : {}),
    ...('globalPolicy' in s && s.globalPolicy !== undefined
      ? { globalPolicy: s.globalPolicy }
      : {}),
    level: sv.level,
    actions,
    verifyTimestamp: sv.verifyTimestamp === 'afterCertExpiry' ? 'afterCertExpiry' : 'always',
    trustStores,
    trustAnyIdentity,
    trustedSubjects,
    otherIdentities,
    trustedIdentities: [...ids],
  };
}

function checkNames(statements: readonly { name: string }[]): void {
  const names = new Set<string>();
  for (const s of statements) {
    if (names.has(s.name)) invalid(`multiple statements named "${s.name}"`);
    names.add(s.name);
  }
}

/**
 * Parses and validates an OCI trust policy (`trustpolicy.oci.json` / legacy `trustpolicy.json`).
 *
 * @throws NotaryError `POLICY_INVALID` with a message naming the offending field
 * @example const doc = parseOciTrustPolicy(readFileSync('trustpolicy.oci.json'));
 */
export function parseOciTrustPolicy(input: unknown): TrustPolicyDocument {
  const r = ociDocSchema.safeParse(parseInput(input));
  if (!r.success) invalid(zodMessage(r.error));
  checkNames(r.data.trustPolicies);
  const scopes = new Set<string>();
  for (const s of r.data.trustPolicies) {
    if (s.registryScopes.includes('*') && s.registryScopes.length > 1) {
      invalid(`statement "${s.name}": wildcard registry scope "*" must be the only scope`);
    }
    for (const scope of s.registryScopes) {
      if (scope !== '*' && !isValidRegistryScope(scope)) {
        invalid(
          `statement "${s.name}": registry scope "${scope}" is not valid (domain[:port]/repository, no tag, digest or wildcard)`,
        );
      }
      if (scopes.has(scope))
        invalid(`registry scope "${scope}" is used by more than one statement`);
      scopes.add(scope);
    }
  }
  return { kind: 'oci', version: '1.0', statements: r.data.trustPolicies.map(buildStatement) };
}

/**
 * Parses and validates a blob trust policy (`trustpolicy.blob.json`).
 *
 * @throws NotaryError `POLICY_INVALID`
 */
export function parseBlobTrustPolicy(input: unknown): TrustPolicyDocument {
  const r = blobDocSchema.safeParse(parseInput(input));
  if (!r.success) invalid(zodMessage(r.error));
  checkNames(r.data.trustPolicies);
  const globals = r.data.trustPolicies.filter((s) => s.globalPolicy === true);
  if (globals.length > 1) invalid('at most one statement may have globalPolicy: true');
  if (globals[0]?.signatureVerification.level === 'skip')
    invalid(`global statement "${globals[0].name}" must not use level skip`);
  return { kind: 'blob', version: '1.0', statements: r.data.trustPolicies.map(buildStatement) };
}

/**
 * Selects the OCI statement for an artifact reference `registry/repo@sha256:…`: exact scope
 * match wins, else the `*` statement.
 *
 * @throws NotaryError `NO_MATCHING_POLICY`
 */
export function selectOciPolicy(
  doc: TrustPolicyDocument,
  artifactReference: string,
): TrustPolicyStatement {
  const at = artifactReference.lastIndexOf('@');
  if (at <= 0) {
    throw new NotaryError(
      'NO_MATCHING_POLICY',
      `artifact reference "${artifactReference}" must contain a digest (@sha256:…)`,
    );
  }
  const repo = artifactReference.slice(0, at);
  const exact = doc.statements.find((s) => s.registryScopes?.includes(repo));
  const wildcard = doc.statements.find((s) => s.registryScopes?.includes('*'));
  const hit = exact ?? wildcard;
  if (!hit) {
    throw new NotaryError(
      'NO_MATCHING_POLICY',
      `artifact "${artifactReference}" has no applicable oci trust policy statement. Trust policy applicability for a given artifact is determined by registryScopes`,
    );
  }
  return hit;
}

/**
 * Selects the blob statement by name, else the global statement.
 *
 * @throws NotaryError `NO_MATCHING_POLICY`
 */
export function selectBlobPolicy(
  doc: TrustPolicyDocument,
  policyName?: string,
): TrustPolicyStatement {
  const hit =
    policyName !== undefined
      ? doc.statements.find((s) => s.name === policyName)
      : doc.statements.find((s) => s.globalPolicy === true);
  if (!hit) {
    throw new NotaryError(
      'NO_MATCHING_POLICY',
      policyName !== undefined
        ? `no applicable blob trust policy with name "${policyName}"`
        : 'no applicable blob trust policy: no statement has globalPolicy true (use a policy name)',
    );
  }
  return hit;
}
