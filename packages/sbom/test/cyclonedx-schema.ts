/** An ajv validator for the official CycloneDX 1.6 JSON schema, from @cyclonedx/cyclonedx-library. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const require = createRequire(import.meta.url);
const schemaDir = join(
  dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')),
  'res/schema',
);
const loadSchema = (name: string): object =>
  JSON.parse(readFileSync(join(schemaDir, name), 'utf8')) as object;

export function cyclonedxValidator(): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const addFormats = addFormatsModule as unknown as (a: Ajv) => void;
  addFormats(ajv);
  // bom-1.6 refers to its siblings by file name, relative to its own $id
  for (const name of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json']) {
    ajv.addSchema({ ...loadSchema(name), $id: `http://cyclonedx.org/schema/${name}` });
  }
  return ajv.compile(loadSchema('bom-1.6.SNAPSHOT.schema.json'));
}
