/** A real RFC 3161 TSA for tests: `openssl ts -reply` over a minted TSA certificate. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HashAlgorithm } from '../src/algorithms.js';
import {
  createTimestampRequest,
  parseTimestampResponse,
  type Timestamper,
} from '../src/timestamp.js';
import { keyPem, mint, newKey, pem } from './pki.js';

export interface TestTsa {
  readonly root: Uint8Array;
  readonly timestamper: Timestamper;
  readonly dir: string;
}

/** True when `openssl ts` is usable. */
export function hasOpensslTs(): boolean {
  try {
    execFileSync('openssl', ['ts', '-help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function createOpensslTsa(): TestTsa {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-tsa-'));
  const rootKey = newKey('p256', true);
  const tsaKey = newKey('p256', true);
  const rootSubject = 'C=US,ST=WA,O=Wharf Test,CN=Wharf Test TSA Root';
  const root = mint({
    subject: rootSubject,
    key: rootKey,
    ca: true,
    pathLen: 0,
    notBefore: new Date(Date.now() - 86400_000),
    notAfter: new Date(Date.now() + 3650 * 86400_000),
  });
  const tsaCert = mint({
    subject: 'C=US,ST=WA,O=Wharf Test,CN=Wharf Test TSA',
    key: tsaKey,
    issuer: { subject: rootSubject, key: rootKey },
    eku: ['1.3.6.1.5.5.7.3.8'],
    ekuCritical: true,
    keyUsage: 1 | 2,
    basicConstraints: true,
  });
  writeFileSync(join(dir, 'tsa.crt'), pem(tsaCert));
  writeFileSync(join(dir, 'chain.pem'), pem(tsaCert) + pem(root));
  writeFileSync(join(dir, 'tsa.key'), keyPem(tsaKey));
  writeFileSync(join(dir, 'serial'), '01\n');
  writeFileSync(
    join(dir, 'ts.cnf'),
    `[ tsa ]\ndefault_tsa = tsa_config\n[ tsa_config ]\ndir = ${dir}\nserial = $dir/serial\nsigner_cert = $dir/tsa.crt\ncerts = $dir/chain.pem\nsigner_key = $dir/tsa.key\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256, sha384, sha512\naccuracy = secs:1\nordering = no\ntsa_name = no\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n`,
  );
  let n = 0;
  const timestamper: Timestamper = {
    timestamp(message: Uint8Array, hash: HashAlgorithm) {
      const req = createTimestampRequest(message, hash);
      const id = `${process.pid}-${n++}`;
      const reqPath = join(dir, `req-${id}.tsq`);
      const respPath = join(dir, `resp-${id}.tsr`);
      writeFileSync(reqPath, req.der);
      execFileSync(
        'openssl',
        ['ts', '-reply', '-config', join(dir, 'ts.cnf'), '-queryfile', reqPath, '-out', respPath],
        { stdio: 'ignore' },
      );
      return Promise.resolve(parseTimestampResponse(readFileSync(respPath), req));
    },
  };
  return { root, timestamper, dir };
}

/** Serves the openssl TSA over HTTP on 127.0.0.1 (RFC 3161 transport). */
export async function serveOpensslTsa(
  tsa: TestTsa,
): Promise<{ url: string; close: () => Promise<void> }> {
  const { createServer } = await import('node:http');
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
        res.writeHead(400).end();
        return;
      }
      const id = `http-${process.pid}-${n++}`;
      const reqPath = join(tsa.dir, `${id}.tsq`);
      const respPath = join(tsa.dir, `${id}.tsr`);
      writeFileSync(reqPath, Buffer.concat(chunks));
      // Retry once: a loaded machine occasionally fails a single openssl run.
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          const args = [
            'ts',
            '-reply',
            '-config',
            join(tsa.dir, 'ts.cnf'),
            '-queryfile',
            reqPath,
            '-out',
            respPath,
          ];
          execFileSync('openssl', args, { stdio: 'pipe' });
          res
            .writeHead(200, { 'content-type': 'application/timestamp-reply' })
            .end(readFileSync(respPath));
          return;
        } catch (err) {
          console.error(
            `openssl ts failed (attempt ${attempt + 1}): ${String((err as { stderr?: Buffer }).stderr ?? err)}`,
          );
        }
      }
      res.writeHead(500).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
