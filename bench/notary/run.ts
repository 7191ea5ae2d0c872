/**
 * Notary benchmark, in one run on one machine:
 *   1. CLI wall time: `wharf sign` / `wharf verify` (node packages/cli/dist/bin.js) against notation
 *      v1.3.2's `notation sign` / `notation verify`, both against one CNCF distribution v3 registry
 *      (no Referrers API: both use the tag schema), one notation config directory shared by both
 *      (a `cert generate-test` RSA-2048 key, trust policy `*`, strict). Each tool signs its own
 *      images (one signature per image); each verify run verifies one image signed by the same tool.
 *      Every run is a fresh process, so Node's start-up (and Go's) is included, as a user sees it;
 *      `wharf version` / `notation version` give each binary's start-up floor.
 *   2. Library throughput: `verify()` of one envelope in a loop, best of three 1 s windows after
 *      200 warm-up runs, for
 *      RSA-3072 and P-256 root → intermediate → leaf chains, JWS and COSE, memory trust store.
 * Medians are reported. Writes bench/results/notary/latest.{json,md} (git-ignored).
 *
 * Usage: npx tsx bench/notary/run.ts [-n 10] [--lib-only]
 * Env: NOTATION1 (default <repo>/.peers/bin/notation1), REGISTRY (default <repo>/.peers/bin/registry).
 */
import { spawnSync } from 'node:child_process';
import { constants, createPublicKey, randomBytes, sign, verify as cryptoVerify } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pushBytes } from '@wharf/content';
import { MEDIA_TYPE_OCI_MANIFEST, type Descriptor } from '@wharf/core';
import {
  LocalKeySigner,
  createMemoryTrustStore,
  parseOciTrustPolicy,
  signEnvelope,
  verify,
  type TrustPolicyStatement,
} from '@wharf/notary';
import { Registry } from '@wharf/registry-client';
import { repoRoot, startDistribution } from '@wharf/testkit';
import { keyPem, mintChain, pem, type KeyKind } from '../../packages/notary/test/pki.js';

const args = process.argv.slice(2);
const nIdx = args.indexOf('-n');
const N = nIdx >= 0 ? Number(args[nIdx + 1]) : 10;
/** `--lib-only`: skip the CLI comparison (no registry, no notation). */
const LIB_ONLY = args.includes('--lib-only');
const root = repoRoot();
const NOTATION1 = process.env['NOTATION1'] ?? join(root, '.peers', 'bin', 'notation1');
const REGISTRY = process.env['REGISTRY'] ?? join(root, '.peers', 'bin', 'registry');
const WHARF = join(root, 'packages', 'cli', 'dist', 'bin.js');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const dir = mkdtempSync(join(tmpdir(), 'wharf-bench-notary-'));
const env = {
  PATH: process.env['PATH'] ?? '',
  HOME: dir,
  XDG_CONFIG_HOME: join(dir, 'config'),
  XDG_CACHE_HOME: join(dir, 'cache'),
  DOCKER_CONFIG: join(dir, 'docker'),
};

function timed(cmd: string, argv: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { env, encoding: 'utf8', timeout: 120_000 });
  const ms = performance.now() - t0;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}: ${r.stdout}${r.stderr}`);
  }
  return ms;
}

async function pushImage(registry: Registry, name: string): Promise<Descriptor> {
  const repo = registry.repository(name);
  const config = new TextEncoder().encode(JSON.stringify({ n: randomBytes(8).toString('hex') }));
  const cfg = await pushBytes(repo, 'application/vnd.oci.image.config.v1+json', config);
  return pushBytes(
    repo,
    MEDIA_TYPE_OCI_MANIFEST,
    new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPE_OCI_MANIFEST,
        config: cfg,
        layers: [],
      }),
    ),
  );
}

async function cliBench(): Promise<Record<string, number[]>> {
  const dist = await startDistribution(REGISTRY);
  const registry = new Registry(dist.host, { plainHttp: true });
  try {
    timed(NOTATION1, ['cert', 'generate-test', '--default', 'bench']);
    writeFileSync(
      join(env.XDG_CONFIG_HOME, 'notation', 'trustpolicy.json'),
      JSON.stringify({
        version: '1.0',
        trustPolicies: [
          {
            name: 'all',
            registryScopes: ['*'],
            signatureVerification: { level: 'strict' },
            trustStores: ['ca:bench'],
            trustedIdentities: ['*'],
          },
        ],
      }),
    );
    const times: Record<string, number[]> = {
      'wharf version': [],
      'notation version': [],
      'wharf sign': [],
      'notation sign': [],
      'wharf verify': [],
      'notation verify': [],
    };
    // The start-up floor of each binary (no network, no crypto).
    for (let i = 0; i < N; i++) {
      times['wharf version']?.push(timed(process.execPath, [WHARF, 'version']));
      times['notation version']?.push(timed(NOTATION1, ['version']));
    }
    const refs: { wharf: string[]; notation: string[] } = { wharf: [], notation: [] };
    // Alternate the tools so drifting machine load hits both alike.
    for (let i = 0; i < N; i++) {
      for (const tool of ['wharf', 'notation'] as const) {
        const name = `bench/${tool}${i}`;
        const d = await pushImage(registry, name);
        const ref = `${dist.host}/${name}@${d.digest}`;
        refs[tool].push(ref);
        times[`${tool} sign`]?.push(
          tool === 'wharf'
            ? timed(process.execPath, [WHARF, 'sign', ref])
            : timed(NOTATION1, ['sign', '--insecure-registry', ref]),
        );
      }
    }
    for (let i = 0; i < N; i++) {
      for (const tool of ['wharf', 'notation'] as const) {
        const ref = refs[tool][i] as string;
        times[`${tool} verify`]?.push(
          tool === 'wharf'
            ? timed(process.execPath, [WHARF, 'verify', ref])
            : timed(NOTATION1, ['verify', '--insecure-registry', ref]),
        );
      }
    }
    return times;
  } finally {
    await registry.close();
    await dist.stop();
  }
}

async function libBench(): Promise<{ name: string; opsPerSec: number; runs: number }[]> {
  const out: { name: string; opsPerSec: number; runs: number }[] = [];
  const target = {
    mediaType: MEDIA_TYPE_OCI_MANIFEST,
    digest: `sha256:${'a'.repeat(64)}`,
    size: 100,
  };
  for (const kind of ['rsa3072', 'p256'] as KeyKind[]) {
    const pki = mintChain(kind);
    const signer = LocalKeySigner.fromPem(keyPem(pki.leafKey), pki.chain.map(pem).join(''));
    const policy = parseOciTrustPolicy({
      version: '1.0',
      trustPolicies: [
        {
          name: 'p',
          registryScopes: ['*'],
          signatureVerification: { level: 'strict' },
          trustStores: ['ca:t'],
          trustedIdentities: ['*'],
        },
      ],
    }).statements[0] as TrustPolicyStatement;
    const trustStore = createMemoryTrustStore({ 'ca:t': [pem(pki.root)] });
    {
      // The floor: node:crypto verifying one signature of the same key and algorithm over
      // 600 bytes (about a JWS signing input), nothing else.
      const data = randomBytes(600);
      const pub = createPublicKey(pki.leafKey);
      const opts =
        kind === 'p256'
          ? { dsaEncoding: 'ieee-p1363' as const }
          : { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 };
      const hashName = kind === 'p256' ? 'sha256' : 'sha384';
      const sig = sign(hashName, data, { key: pki.leafKey, ...opts });
      const raw = (): boolean => cryptoVerify(hashName, data, { key: pub, ...opts }, sig);
      for (let i = 0; i < 200; i++) raw();
      const rates: number[] = [];
      let total = 0;
      for (let w = 0; w < 3; w++) {
        let runs = 0;
        const t0 = performance.now();
        while (performance.now() - t0 < 1000) {
          if (!raw()) throw new Error('raw verify failed');
          runs++;
        }
        rates.push(runs / ((performance.now() - t0) / 1000));
        total += runs;
      }
      out.push({
        name: `${kind} node:crypto verify only`,
        opsPerSec: Math.max(...rates),
        runs: total,
      });
    }
    for (const format of ['jws', 'cose'] as const) {
      const env = await signEnvelope({ format, payload: target, signer });
      const once = async (): Promise<void> => {
        const r = await verify({
          envelope: env.bytes,
          envelopeMediaType: env.mediaType,
          policy,
          trustStore,
          expectedArtifact: target,
        });
        if (!r.ok) throw new Error(`verify failed: ${r.error?.message ?? ''}`);
      };
      for (let i = 0; i < 200; i++) await once();
      // Three 1 s windows; the best one is reported (load from other processes only slows a
      // window down, so the fastest is the closest to this code's own cost).
      const rates: number[] = [];
      let total = 0;
      for (let w = 0; w < 3; w++) {
        let runs = 0;
        const t0 = performance.now();
        while (performance.now() - t0 < 1000) {
          await once();
          runs++;
        }
        rates.push(runs / ((performance.now() - t0) / 1000));
        total += runs;
      }
      out.push({ name: `${kind} ${format}`, opsPerSec: Math.max(...rates), runs: total });
    }
  }
  return out;
}

mkdirSync(env.DOCKER_CONFIG, { recursive: true });
const loadBefore = loadavg();
const cli = LIB_ONLY ? {} : await cliBench();
const lib = await libBench();
const loadAfter = loadavg();
const result = {
  date: new Date().toISOString(),
  n: N,
  cpus: cpus().length,
  node: process.version,
  loadavg: { before: loadBefore, after: loadAfter },
  cliMedianMs: Object.fromEntries(Object.entries(cli).map(([k, v]) => [k, Math.round(median(v))])),
  cliAllMs: Object.fromEntries(Object.entries(cli).map(([k, v]) => [k, v.map(Math.round)])),
  libraryVerify: lib.map((l) => ({ ...l, opsPerSec: Math.round(l.opsPerSec) })),
};
const md = [
  ...(LIB_ONLY
    ? []
    : [
        `| Command (median of ${N}, fresh process each) | Wharf | notation v1.3.2 | Wharf / notation |`,
        '|---|---|---|---|',
        ...(['version', 'sign', 'verify'] as const).map((op) => {
          const w = result.cliMedianMs[`wharf ${op}`] as number;
          const n = result.cliMedianMs[`notation ${op}`] as number;
          return `| ${op} | ${w} ms | ${n} ms | ${(w / n).toFixed(2)} |`;
        }),
        '',
      ]),
  '| Library `verify()` (strict, chain of 3, memory trust store; best 1 s window of 3) | verifications/s |',
  '|---|---|',
  ...result.libraryVerify.map((l) => `| ${l.name} | ${l.opsPerSec} |`),
  '',
  `Load average before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${loadAfter.map((x) => x.toFixed(2)).join(' ')}.`,
].join('\n');
const outDir = join(root, 'bench', 'results', 'notary');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(outDir, 'latest.md'), `${md}\n`);
process.stdout.write(`${md}\n`);
