import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PEER_NAMES,
  PEER_VERSION_ARGS,
  PeerMissingError,
  isPeerName,
  peerKind,
  peerPath,
  peersRequired,
  readPeerVersions,
  repoRoot,
  requirePeer,
} from './peers.js';

describe('peer locator', () => {
  it('finds the repository root (workspaces package.json)', () => {
    const root = repoRoot();
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      workspaces?: unknown;
    };
    expect(pkg.workspaces).toBeDefined();
    expect(existsSync(join(root, 'scripts', 'peers.sh'))).toBe(true);
  });

  it('knows every peer name and its version command', () => {
    expect(isPeerName('oras')).toBe(true);
    expect(isPeerName('docker')).toBe(false);
    for (const name of PEER_NAMES) {
      const args = PEER_VERSION_ARGS[name];
      if (args !== null) expect(args.length).toBeGreaterThan(0);
    }
    expect(PEER_VERSION_ARGS['conformance-main']).toBeNull();
    expect(peerKind('skopeo')).toBe('apt');
    expect(peerKind('notation1')).toBe('go');
  });

  it('requirePeer agrees with peerPath and WHARF_REQUIRE_PEERS', () => {
    for (const name of PEER_NAMES) {
      const path = peerPath(name);
      if (path !== undefined) {
        expect(requirePeer(name)).toBe(path);
      } else if (readPeerVersions()?.[name]?.status === 'unavailable') {
        // Not obtainable here (docs/peers.md): skipped with its reason, even when required.
        expect(requirePeer(name)).toBeUndefined();
      } else if (peersRequired()) {
        expect(() => requirePeer(name)).toThrow(PeerMissingError);
      } else {
        expect(requirePeer(name)).toBeUndefined();
      }
    }
  });
});

const versions = readPeerVersions();

describe('installed peers report their pinned versions', () => {
  it('.peers/versions.json exists when WHARF_REQUIRE_PEERS=1', () => {
    if (peersRequired()) expect(versions, 'run `npm run peers` first').toBeDefined();
  });

  for (const name of PEER_NAMES) {
    const record = versions?.[name];
    // Not recorded (never requested, e.g. WHARF_PEERS_ALL tools) or not obtainable from
    // the package registries (see docs/peers.md): nothing pinned to check.
    const notApplicable = record === undefined || record.status === 'unavailable';
    it.skipIf(notApplicable)(`${name} reports ${record?.pinned ?? 'its pin'}`, (ctx) => {
      if (record === undefined) return;
      const path = requirePeer(name); // throws when missing and WHARF_REQUIRE_PEERS=1
      if (path === undefined) {
        ctx.skip();
        return;
      }
      expect(record.pinned).toContain(record.expect);
      const args = PEER_VERSION_ARGS[name];
      if (args === null) return; // no harmless way to run it: being installed is the check
      const run = spawnSync(path, args, {
        encoding: 'utf8',
        timeout: 30_000,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(run.error).toBeUndefined();
      expect(run.status, `${path} ${args.join(' ')}`).toBe(0);
      expect(`${run.stdout}${run.stderr}`).toContain(record.expect);
    });
  }
});
