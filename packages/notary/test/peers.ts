/**
 * Local stand-in for `@wharf/testkit`'s `requirePeer` (same behaviour): the path of a peer tool
 * in `<repo>/.peers/bin`, or undefined so tests can `skipIf`; throws when WHARF_REQUIRE_PEERS=1
 * and the tool is missing, unless scripts/peers.sh recorded it as `unavailable` (the Go module
 * proxy this project reaches refuses it, see docs/peers.md): that cannot be fixed by installing,
 * so the tests skip and say why. WHARF_PEERS_BIN overrides the directory (local debugging).
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO_ROOT } from './vectors.js';

/** The reason scripts/peers.sh gave for a tool it could not obtain, if it recorded one. */
export function unavailableReason(name: string): string | undefined {
  try {
    const file = resolve(REPO_ROOT, '.peers/versions.json');
    const records = JSON.parse(readFileSync(file, 'utf8')) as Record<
      string,
      { status?: string; reason?: string } | undefined
    >;
    const rec = records[name];
    return rec?.status === 'unavailable' ? (rec.reason ?? 'not obtainable here') : undefined;
  } catch {
    return undefined;
  }
}

export function requirePeer(name: 'notation' | 'notation1'): string | undefined {
  const path = resolve(process.env.WHARF_PEERS_BIN ?? resolve(REPO_ROOT, '.peers/bin'), name);
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    const unavailable = unavailableReason(name);
    if (unavailable !== undefined) {
      process.stderr.write(`skipping tests that need ${name}: ${unavailable}\n`);
      return undefined;
    }
    if (process.env.WHARF_REQUIRE_PEERS === '1') {
      throw new Error(
        `peer tool ${name} is required (WHARF_REQUIRE_PEERS=1) but missing at ${path}; run npm run peers`,
      );
    }
    return undefined;
  }
}
