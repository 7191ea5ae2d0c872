import { ContentError } from './errors.js';
import { parseDigest } from './digest.js';

/**
 * A fully qualified artifact reference `registry/repository[:tag][@digest]`.
 * When both `tag` and `digest` are set, the digest identifies the content and the tag is
 * informational (oras-go drops it; Wharf keeps it for display).
 */
export interface Reference {
  /** `host[:port]`, e.g. `ghcr.io`, `localhost:5000`, `[::1]:5000`. */
  readonly registry: string;
  /** Repository name per the distribution-spec grammar, e.g. `library/ubuntu`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Which part of a reference failed to parse; carried in `detail.part` of the error. */
export type ReferencePart = 'reference' | 'registry' | 'repository' | 'tag' | 'digest';

/** Longest `host[:port]/repository` accepted (the limit docker/distribution enforces). */
export const MAX_NAME_LENGTH = 255;
/** Longest tag accepted (distribution-spec: 128 characters). */
export const MAX_TAG_LENGTH = 128;

/** The Docker Hub registry a reference without a host normalises to. */
export const DOCKER_HUB_REGISTRY = 'docker.io';
const DOCKER_HUB_LEGACY_REGISTRY = 'index.docker.io';
const DOCKER_OFFICIAL_PREFIX = 'library/';

// Hand-written: the npm ports of docker/distribution's reference package (e.g.
// @swimlane/docker-reference) track an old grammar (no IPv6 hosts, no uppercase-host rule).
// distribution-spec repository name: lowercase components with `.`, `_`, `__` or `-+`
// separators, joined by `/`. Linear-time: separators are never alphanumeric.
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const REPOSITORY_GRAMMAR = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_GRAMMAR = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
// docker/distribution `domainAndPort`: DNS-ish labels (or IPv4) or a bracketed IPv6 address
// without zone, then an optional numeric port.
const LABEL = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const REGISTRY_GRAMMAR = new RegExp(
  `^(?:${LABEL}(?:\\.${LABEL})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`,
);
// A bare 64-hex string is an image id, never a repository (docker rule).
const IMAGE_ID = /^[a-f0-9]{64}$/;

/**
 * True when `name` is a repository name per the distribution-spec grammar (no host, ≤ 255).
 * @example isValidRepositoryName('library/ubuntu') // true
 * @example isValidRepositoryName('a___b') // false
 */
export function isValidRepositoryName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && REPOSITORY_GRAMMAR.test(name);
}

/**
 * True when `tag` matches `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
 * @example isValidTag('v1.0.0') // true
 * @example isValidTag('-v1') // false
 */
export function isValidTag(tag: string): boolean {
  return TAG_GRAMMAR.test(tag);
}

/**
 * True when `host` is a registry `host[:port]` (DNS name, IPv4, or `[IPv6]`).
 * @example isValidRegistry('localhost:5000') // true
 * @example isValidRegistry('[::1]:5000') // true
 */
export function isValidRegistry(host: string): boolean {
  return host.length > 0 && host.length <= MAX_NAME_LENGTH && REGISTRY_GRAMMAR.test(host);
}

function fail(input: string, part: ReferencePart, reason: string, cause?: unknown): never {
  const shown = JSON.stringify(input.length > 300 ? `${input.slice(0, 300)}…` : input);
  throw new ContentError('INVALID_REFERENCE', `invalid reference ${shown}: ${reason}`, {
    ...(cause === undefined ? {} : { cause }),
    detail: { part, reference: input.slice(0, 300) },
  });
}

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

/** Splits `repo[:tag][@digest]` (the part after the registry) and validates each piece. */
function parseRemainder(
  input: string,
  registry: string,
  remainder: string,
): { repository: string; tag?: string; digest?: string } {
  let rest = remainder;
  let digest: string | undefined;
  let tag: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.indexOf(':');
  if (colon !== -1) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const repository = rest;
  if (repository === '') fail(input, 'repository', 'missing repository');
  const nameLength = registry.length + 1 + repository.length;
  if (nameLength > MAX_NAME_LENGTH) {
    fail(
      input,
      'repository',
      `name "registry/repository" is ${nameLength} characters, over ${MAX_NAME_LENGTH}`,
    );
  }
  if (!REPOSITORY_GRAMMAR.test(repository)) {
    const hint = REPOSITORY_GRAMMAR.test(repository.toLowerCase())
      ? 'must be lowercase'
      : 'must be lowercase components of [a-z0-9] joined by ".", "_", "__" or "-", separated by "/"';
    fail(input, 'repository', `invalid repository name ${quote(repository)}: ${hint}`);
  }
  if (tag !== undefined && !TAG_GRAMMAR.test(tag)) {
    fail(input, 'tag', `invalid tag ${quote(tag)}: must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`);
  }
  if (digest !== undefined) {
    try {
      parseDigest(digest);
    } catch (err) {
      fail(input, 'digest', `invalid digest ${quote(digest)}`, err);
    }
  }
  return {
    repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

function checkRegistry(input: string, registry: string): void {
  if (registry === '') fail(input, 'registry', 'missing registry host');
  if (!isValidRegistry(registry)) {
    fail(input, 'registry', `invalid registry ${quote(registry)}: must be host[:port]`);
  }
}

/**
 * Parses a fully qualified reference the way oras-go does: the registry is mandatory.
 * Accepted forms: `host/repo`, `host/repo:tag`, `host/repo@digest`, `host/repo:tag@digest`
 * (both kept; the digest identifies the content).
 *
 * @throws ContentError `INVALID_REFERENCE`; `detail.part` names the bad part.
 * @example
 * parseReference('ghcr.io/acme/app:v1')
 * // { registry: 'ghcr.io', repository: 'acme/app', tag: 'v1' }
 */
export function parseReference(value: string): Reference {
  if (value === '') fail(value, 'reference', 'empty reference');
  const slash = value.indexOf('/');
  if (slash === -1) {
    fail(value, 'reference', 'missing registry or repository (expected host/repository)');
  }
  const registry = value.slice(0, slash);
  checkRegistry(value, registry);
  return { registry, ...parseRemainder(value, registry, value.slice(slash + 1)) };
}

/** Like {@link parseReference} but returns undefined instead of throwing. */
export function tryParseReference(value: string): Reference | undefined {
  try {
    return parseReference(value);
  } catch {
    return undefined;
  }
}

/**
 * Parses a "familiar" Docker reference and normalises it like docker/distribution's
 * `ParseNormalizedNamed`:
 * - the first component is a registry only if it contains `.` or `:`, is `localhost`, or has
 *   an uppercase letter (repository names are lowercase, so docker reads it as a host);
 * - otherwise the registry is `docker.io`, and `index.docker.io` becomes `docker.io`;
 * - on Docker Hub a single-component repository gets `library/`;
 * - a bare 64-hex image id and an uppercase repository are rejected.
 *
 * @throws ContentError `INVALID_REFERENCE`
 * @example parseDockerReference('ubuntu:22.04')
 * // { registry: 'docker.io', repository: 'library/ubuntu', tag: '22.04' }
 */
export function parseDockerReference(value: string): Reference {
  if (value === '') fail(value, 'reference', 'empty reference');
  if (IMAGE_ID.test(value)) {
    fail(value, 'repository', 'a 64-character hexadecimal string is an image id, not a repository');
  }
  let registry = DOCKER_HUB_REGISTRY;
  let remainder = value;
  const slash = value.indexOf('/');
  if (slash !== -1) {
    const first = value.slice(0, slash);
    if (first === DOCKER_HUB_LEGACY_REGISTRY) {
      remainder = value.slice(slash + 1);
    } else if (
      first === 'localhost' ||
      first.includes('.') ||
      first.includes(':') ||
      first.toLowerCase() !== first
    ) {
      registry = first;
      remainder = value.slice(slash + 1);
    }
  }
  checkRegistry(value, registry);
  if (registry === DOCKER_HUB_REGISTRY) {
    const end = remainder.search(/[:@]/);
    const repo = end === -1 ? remainder : remainder.slice(0, end);
    if (!repo.includes('/')) remainder = DOCKER_OFFICIAL_PREFIX + remainder;
  }
  return { registry, ...parseRemainder(value, registry, remainder) };
}

/** Like {@link parseDockerReference} but returns undefined instead of throwing. */
export function tryParseDockerReference(value: string): Reference | undefined {
  try {
    return parseDockerReference(value);
  } catch {
    return undefined;
  }
}

/**
 * Formats a reference as `registry/repository[:tag][@digest]`. Does not validate.
 * @example formatReference({ registry: 'docker.io', repository: 'library/ubuntu', tag: 'latest' })
 * // 'docker.io/library/ubuntu:latest'
 */
export function formatReference(ref: Reference): string {
  let out = `${ref.registry}/${ref.repository}`;
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}

/** Alias of {@link formatReference}. */
export const referenceString: (ref: Reference) => string = formatReference;

/**
 * The tag that stands in for the referrers API on registries without it (distribution-spec
 * "referrers tag schema"): the algorithm truncated to 32 characters, `-`, the encoded part
 * truncated to 64 characters, with every character not allowed in a tag replaced by `-`.
 *
 * @throws ContentError `INVALID_DIGEST`
 * @example referrersTagFor('sha256:44136f…') // 'sha256-44136f…'
 */
export function referrersTagFor(digest: string): string {
  const { algorithm, encoded } = parseDigest(digest);
  const tag = `${algorithm.slice(0, 32)}-${encoded.slice(0, 64)}`;
  return tag.replace(/[^a-zA-Z0-9._-]/g, '-');
}
