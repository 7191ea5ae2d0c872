import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWharfError } from '@wharf/core';
import { Registry } from './registry.js';

// The TLS options reach undici's `request` path (the default stack): a registry with a private
// CA that requires a client certificate; `--resolve` with TLS keeps the certificate's name.
describe('TLS options on the default transport', () => {
  let dir = '';
  let server: Server;
  let port = 0;
  const clientNames: string[] = [];
  const ca = () => join(dir, 'ca.pem');
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-tls-'));
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    ssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=ca',
    );
    for (const [name, san] of [
      ['server', 'DNS:registry.test,IP:127.0.0.1'],
      ['client', 'DNS:client.test'],
    ] as const) {
      writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
      ssl(
        'req',
        '-new',
        ...ec,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        `/CN=${name}`,
      );
      ssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '2',
        '-out',
        `${name}.pem`,
        '-extfile',
        `${name}.ext`,
      );
    }
    server = createServer(
      {
        key: readFileSync(join(dir, 'server.key')),
        cert: readFileSync(join(dir, 'server.pem')),
        ca: readFileSync(ca()),
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        const authorized = (req.socket as TLSSocket).authorized;
        clientNames.push(authorized ? String(peer.subject.CN) : '-');
        res.writeHead(authorized ? 200 : 401, { 'content-length': '2' });
        res.end('{}');
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const codeOf = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
      return 'OK';
    } catch (err) {
      return isWharfError(err) ? err.code : String(err);
    }
  };

  it('verifies against caFile, sends the client certificate, refuses an unknown CA', async () => {
    const host = `127.0.0.1:${port}`;
    const client = { certFile: join(dir, 'client.pem'), keyFile: join(dir, 'client.key') };
    // No CA: the private certificate is refused.
    expect(
      await codeOf(new Registry(host, { plainHttp: false, retry: { maxRetries: 0 } }).ping()),
    ).toBe('NETWORK_ERROR');
    // The CA but no client certificate: connected, the server answers 401.
    expect(await codeOf(new Registry(host, { plainHttp: false, caFile: ca() }).ping())).toBe(
      'UNAUTHORIZED',
    );
    await new Registry(host, { plainHttp: false, caFile: ca(), ...client }).ping();
    // insecure skips verification; the client certificate is still sent.
    await new Registry(host, { plainHttp: false, insecure: true, ...client }).ping();
    // resolve: the name in the certificate is checked, the connection goes to 127.0.0.1.
    const rule = { host: 'registry.test', port, address: '127.0.0.1', addressPort: port };
    await new Registry(`registry.test:${port}`, {
      plainHttp: false,
      caFile: ca(),
      ...client,
      resolve: [rule],
    }).ping();
    const wrongName = { host: 'other.test', port, address: '127.0.0.1', addressPort: port };
    expect(
      await codeOf(
        new Registry(`other.test:${port}`, {
          plainHttp: false,
          caFile: ca(),
          ...client,
          resolve: [wrongName],
          retry: { maxRetries: 0 },
        }).ping(),
      ),
    ).toBe('NETWORK_ERROR');
    expect(clientNames).toEqual(['-', 'client', 'client', 'client']);
  });
});
