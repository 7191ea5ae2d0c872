/**
 * The official SPDX 2.3 JSON schema (spdx-spec's `schemas/spdx-schema.json`, `$id`
 * http://spdx.org/rdf/terms/2.3). No npm package ships it; the pinned Syft module, which
 * `scripts/peers.sh` installs with `go install`, carries an unmodified copy at
 * `schema/spdx-json/spdx-schema-2.3.json`. It is read from the Go module cache at test time and
 * never copied into this repository. Missing: undefined (the test skips), or an error under
 * WHARF_REQUIRE_PEERS=1.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { peersRequired, REPO_ROOT } from './peers.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function syftVersion(): string {
  const m = /^SYFT_VERSION=(v[0-9][^\s#]*)/m.exec(
    readFileSync(join(REPO_ROOT, 'scripts/peers.sh'), 'utf8'),
  );
  if (!m?.[1]) throw new Error('SYFT_VERSION not found in scripts/peers.sh');
  return m[1];
}

function moduleDir(version: string): string | undefined {
  try {
    // GOFLAGS=-mod=mod and a temp cwd: no go.mod is needed, and the module comes from the cache
    const out = execFileSync(
      'go',
      ['mod', 'download', '-json', `github.com/anchore/syft@${version}`],
      {
        cwd: tmpdir(),
        env: { ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const dir = (JSON.parse(out) as { Dir?: unknown }).Dir;
    return typeof dir === 'string' ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** Path of the official schema, or undefined when the Syft module is not in the cache. */
export function officialSpdxSchemaPath(): string | undefined {
  const version = syftVersion();
  const dir = moduleDir(version);
  const file = dir === undefined ? undefined : join(dir, 'schema/spdx-json/spdx-schema-2.3.json');
  if (file !== undefined && existsSync(file)) return file;
  if (peersRequired())
    throw new Error(
      `the official SPDX 2.3 schema is missing: github.com/anchore/syft@${version} is not in the Go module cache (run \`npm run peers\`)`,
    );
  return undefined;
}

/** An ajv validator for the official SPDX 2.3 schema, or undefined when it is not available. */
export function officialSpdxValidator(): ValidateFunction | undefined {
  const file = officialSpdxSchemaPath();
  if (file === undefined) return undefined;
  const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (schema['$id'] !== 'http://spdx.org/rdf/terms/2.3' || schema['title'] !== 'SPDX 2.3')
    throw new Error(`${file} is not the SPDX 2.3 schema`);
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(schema);
}
