/**
 * Peer lookup for the fixture tests, with @wharf/testkit's `requirePeer` behaviour: a peer is
 * found in `<repo>/.peers/bin`, or on PATH for Debian tools; when it is missing the test is
 * skipped, unless WHARF_REQUIRE_PEERS=1, which makes it fail.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const APT = new Set(['mmdebstrap', 'umoci', 'skopeo']);

export function peerPath(name: string): string | undefined {
  const local = join(REPO_ROOT, '.peers/bin', name);
  if (executable(local)) return local;
  if (!APT.has(name)) return undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export function peersRequired(): boolean {
  return process.env.WHARF_REQUIRE_PEERS === '1';
}

/** The peer's path; undefined (skip) when missing, or throws when WHARF_REQUIRE_PEERS=1. */
export function requirePeer(name: string): string | undefined {
  const path = peerPath(name);
  if (path === undefined && peersRequired()) {
    throw new Error(
      `peer tool "${name}" is missing and WHARF_REQUIRE_PEERS=1; run \`npm run peers\``,
    );
  }
  return path;
}
