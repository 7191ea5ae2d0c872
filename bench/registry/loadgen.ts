/**
 * Load generator with zot zb's test shapes (monolithic push, chunk-streamed push, pull; 1/10/100 MB
 * blobs and zb's mixes), for any OCI registry. It follows upload `Location` headers exactly as
 * returned, query included: zb v2.1.20 drops the query, which distribution v3 needs for its
 * `_state` token, so zb cannot push to distribution; this tool can, and it runs here, where the
 * Go module proxy refuses zb itself.
 *
 * Usage: npx tsx bench/registry/loadgen.ts -c 10 -n 100 [-t regex] http://127.0.0.1:5000
 * Output: one JSON line per test on stdout: {"name","requests","errors","rps","p50ms","p99ms"}.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';

const MiB = 1024 * 1024;
const SIZES = [MiB, 10 * MiB, 100 * MiB] as const;

const args = process.argv.slice(2);
function flag(name: string, def: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : def;
}
const C = Number(flag('-c', '10'));
const N = Number(flag('-n', '100'));
const FILTER = new RegExp(flag('-t', ''));
const BASE = args.at(-1) ?? '';
if (!/^https?:\/\//.test(BASE) || !(C > 0) || !(N > 0)) {
  process.stderr.write('usage: loadgen.ts -c <concurrency> -n <requests> [-t regex] <base url>\n');
  process.exit(2);
}

const dispatcher = new Agent({ connections: C * 2, pipelining: 1, keepAliveTimeout: 30_000 });

function digestOf(b: Uint8Array): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

// As zb does: mostly-zero blobs with a random head, so each run's digests are new.
const blobs = new Map<number, { bytes: Buffer; digest: string }>();
for (const s of SIZES) {
  const bytes = Buffer.alloc(s);
  randomBytes(4096).copy(bytes);
  blobs.set(s, { bytes, digest: digestOf(bytes) });
}
function blob(size: number): { bytes: Buffer; digest: string } {
  const b = blobs.get(size);
  if (b === undefined) throw new RangeError(`no blob of ${size} bytes`);
  return b;
}

async function call(
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH',
  url: string,
  want: number,
  body?: Buffer,
  headers: Record<string, string> = {},
): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const res = await request(url, {
    method,
    dispatcher,
    headers: body === undefined ? headers : { ...headers, 'content-length': String(body.length) },
    ...(body === undefined ? {} : { body }),
  });
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(c as Buffer);
  const data = Buffer.concat(chunks);
  if (res.statusCode !== want) {
    throw new Error(
      `${method} ${url}: ${res.statusCode} (want ${want}) ${data.toString('utf8', 0, 300)}`,
    );
  }
  return { headers: res.headers, body: data };
}

function location(h: Record<string, string | string[] | undefined>): string {
  const l = h['location'];
  const v = Array.isArray(l) ? l[0] : l;
  if (v === undefined) throw new Error('no Location header');
  return new URL(v, BASE).toString();
}

function withDigest(loc: string, digest: string): string {
  const u = new URL(loc);
  u.searchParams.set('digest', digest);
  return u.toString();
}

const OCTET = { 'content-type': 'application/octet-stream' };

async function pushBlob(
  repo: string,
  bytes: Buffer,
  digest: string,
  chunked: boolean,
): Promise<void> {
  const started = await call('POST', `${BASE}/v2/${repo}/blobs/uploads/`, 202);
  let loc = location(started.headers);
  if (chunked) {
    const patched = await call('PATCH', loc, 202, bytes, OCTET);
    loc = location(patched.headers);
    await call('PUT', withDigest(loc, digest), 201);
    return;
  }
  await call('PUT', withDigest(loc, digest), 201, bytes, OCTET);
}

let seq = 0;

/** Layer + unique config + manifest under a tag, like zb's pushMonolithImage. */
async function pushImage(repo: string, size: number, chunked: boolean): Promise<void> {
  const layer = blob(size);
  await pushBlob(repo, layer.bytes, layer.digest, chunked);
  const cfg = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', n: ++seq }));
  const cfgDigest = digestOf(cfg);
  await pushBlob(repo, cfg, cfgDigest, chunked);
  const manifest = Buffer.from(
    JSON.stringify(
      {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: cfgDigest,
          size: cfg.length,
        },
        layers: [
          { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size },
        ],
      },
      null,
      '\t',
    ),
  );
  await call('PUT', `${BASE}/v2/${repo}/manifests/t`, 201, manifest, {
    'content-type': 'application/vnd.oci.image.manifest.v1+json',
  });
}

/** HEAD + GET the manifest, then HEAD + GET each blob, like zb's pull tests. */
async function pull(repo: string): Promise<void> {
  const url = `${BASE}/v2/${repo}/manifests/t`;
  const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };
  await call('HEAD', url, 200, undefined, accept);
  const got = await call('GET', url, 200, undefined, accept);
  const m = JSON.parse(got.body.toString('utf8')) as {
    config: { digest: string };
    layers: { digest: string }[];
  };
  for (const d of [m.config.digest, ...m.layers.map((l) => l.digest)]) {
    const bu = `${BASE}/v2/${repo}/blobs/${d}`;
    await call('HEAD', bu, 200);
    await call('GET', bu, 200);
  }
}

/** Picks one of 1/10/100 MB with the given weights. */
function randomSize(weights: readonly number[]): number {
  const x = Math.random();
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i] ?? 0;
    if (x < acc) return SIZES[i] ?? MiB;
  }
  return SIZES[SIZES.length - 1] ?? MiB;
}

interface Test {
  readonly name: string;
  readonly run: (i: number) => Promise<void>;
  readonly prep?: () => Promise<void>;
}

const run = String(Date.now());
const repo = (i: number): string => `loadgen/${run}/r${i}`;
const pullRepo = (size: number): string => `loadgen/${run}/pull${size / MiB}`;
const MIXED = [0.2, 0.7, 0.1];
const tests: Test[] = [];
for (const s of SIZES)
  tests.push({ name: `Push Monolith ${s / MiB}MB`, run: (i) => pushImage(repo(i), s, false) });
for (const s of SIZES)
  tests.push({ name: `Push Chunk Streamed ${s / MiB}MB`, run: (i) => pushImage(repo(i), s, true) });
for (const s of SIZES)
  tests.push({
    name: `Pull ${s / MiB}MB`,
    prep: () => pushImage(pullRepo(s), s, false),
    run: () => pull(pullRepo(s)),
  });
tests.push(
  { name: 'Pull Mixed 20% 1MB, 70% 10MB, 10% 100MB', run: () => pull(pullRepo(randomSize(MIXED))) },
  {
    name: 'Push Monolith Mixed 20% 1MB, 70% 10MB, 10% 100MB',
    run: (i) => pushImage(repo(i), randomSize(MIXED), false),
  },
  {
    name: 'Push Chunk Mixed 33% 1MB, 33% 10MB, 33% 100MB',
    run: (i) => pushImage(repo(i), randomSize([0.34, 0.33, 0.33]), true),
  },
);
for (const s of SIZES)
  tests.push({
    name: `Pull 75% and Push 25% Mixed ${s / MiB}MB`,
    run: (i) => (Math.random() < 0.75 ? pull(pullRepo(s)) : pushImage(repo(i), s, false)),
  });

for (const t of tests) {
  if (!FILTER.test(t.name)) continue;
  if (t.prep !== undefined) {
    try {
      await t.prep();
    } catch (e) {
      process.stderr.write(`${t.name} setup: ${String(e)}\n`);
    }
  }
  let next = 0;
  let errors = 0;
  const lat: number[] = new Array<number>(N).fill(0);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: C }, async () => {
      for (;;) {
        const i = next++;
        if (i >= N) return;
        const t0 = performance.now();
        try {
          await t.run(i);
        } catch (e) {
          errors++;
          if (errors <= 3) process.stderr.write(`${t.name}: ${String(e)}\n`);
        }
        lat[i] = performance.now() - t0;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  const ms = (v: number | undefined): number => Math.round((v ?? 0) * 1000) / 1000;
  process.stdout.write(
    `${JSON.stringify({
      name: t.name,
      requests: N,
      errors,
      rps: N / seconds,
      p50ms: ms(lat[Math.floor(N / 2)]),
      p99ms: ms(lat[Math.floor((N * 99) / 100)]),
    })}\n`,
  );
}
await dispatcher.close();
