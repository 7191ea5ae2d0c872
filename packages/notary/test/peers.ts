/**
 * Local stand-in for `@wharf/testkit`'s `requirePeer` (same behaviour): the path of a peer tool
 * in `<repo>/.peers/bin`, or undefined so tests can `skipIf`; throws when WHARF_REQUIRE_PEERS=1
 * and the tool is missing. WHARF_PEERS_BIN overrides the directory (local debugging).
 */
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { REPO_ROOT } from './vectors.js';

export function requirePeer(name: 'notation' | 'notation1'): string | undefined {
  const path = resolve(process.env.WHARF_PEERS_BIN ?? resolve(REPO_ROOT, '.peers/bin'), name);
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    if (process.env.WHARF_REQUIRE_PEERS === '1') {
      throw new Error(
        `peer tool ${name} is required (WHARF_REQUIRE_PEERS=1) but missing at ${path}; run npm run peers`,
      );
    }
    return undefined;
  }
}
