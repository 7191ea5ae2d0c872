import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

// The transport loads undici's Agent, connector and request modules, not undici's index (which
// also loads fetch, cookies, the cache and mocks) nor Node's bundled fetch (`Response`, `Headers`).
describe('what a request loads', () => {
  it.skipIf(!existsSync(dist))(
    'answers a request through undici without its index or the fetch globals (built dist)',
    () => {
      const script = `
        import { createRequire } from 'node:module';
        // require, not import: on Node 22 and 24 an ESM import of node:http reads its lazy
        // WebSocket getters, which load Node's bundled undici (the test server's doing, not Wharf's).
        const { createServer } = createRequire(import.meta.url)('node:http');
        const { Registry } = await import(${JSON.stringify(pathToFileURL(dist).href)});
        const server = createServer((req, res) => {
          res.writeHead(200, { 'content-type': 'application/json', 'x-twice': ['a', 'b'] });
          res.end(JSON.stringify({ tags: ['v1'], name: 'r' }));
        });
        await new Promise((r) => server.listen(0, '127.0.0.1', r));
        const host = '127.0.0.1:' + server.address().port;
        const reg = new Registry(host, { plainHttp: true });
        const tags = await reg.repository('r').tags();
        const res = await reg.send({ method: 'GET', url: new URL('http://' + host + '/v2/') }, []);
        const twice = res.response.headers.get('X-Twice');
        await reg.close();
        server.close();
        const loaded = Object.keys(createRequire(import.meta.url).cache);
        const undiciIndex = loaded.some((k) => /[\\\\/]undici[\\\\/]index\\.js$/.test(k));
        const undiciAgent = loaded.some((k) => /undici[\\\\/]lib[\\\\/]dispatcher[\\\\/]agent\\.js$/.test(k));
        // Node's bundled undici (behind the fetch globals) is loaded on first use; the list of
        // Node's loaded internal modules shows whether it was (the same on Node 20, 22 and 24).
        const fetchLoaded = process.moduleLoadList.some((m) => m.endsWith('internal/deps/undici/undici'));
        console.log(JSON.stringify({ tags, twice, undiciIndex, undiciAgent, fetchLoaded }));
      `;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
      });
      expect(JSON.parse(out)).toEqual({
        tags: ['v1'],
        twice: 'a, b',
        undiciIndex: false,
        undiciAgent: true,
        fetchLoaded: false,
      });
    },
  );
});
