/**
 * Installs the `wharf-test` plugin (`./test-plugin.ts`) into a plugins directory. The plugin is
 * an ES module that imports this package's other modules, so copying the `.js` file alone into
 * `plugins/wharf-test/` cannot work; instead a tiny `/bin/sh` launcher is written there that
 * `exec`s this Node binary on the built `dist/plugin/test-plugin.js` by absolute path.
 * @module
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotaryError } from '../errors.js';
import { pluginExecutableName } from './client.js';

/** The test plugin's name and version (its metadata). */
export const TEST_PLUGIN_NAME = 'wharf-test';
export const TEST_PLUGIN_VERSION = '0.1.0';

/**
 * The built plugin entry point. Under a test runner this module is the `.ts` source, so the
 * package's `dist/` copy is used (it must have been built with `tsc -b`).
 *
 * @throws NotaryError `PLUGIN_NOT_FOUND` when it has not been built
 */
export function testPluginEntry(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, 'test-plugin.js'),
    join(here, '..', '..', 'dist', 'plugin', 'test-plugin.js'),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new NotaryError(
      'PLUGIN_NOT_FOUND',
      'the wharf-test plugin is not built (run npx tsc -b packages/notary)',
    );
  }
  return found;
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The launcher script text: `exec <node> <entry> "$@"`. */
export function testPluginLauncher(entry = testPluginEntry(), node = process.execPath): string {
  return `#!/bin/sh\nexec ${shQuote(node)} ${shQuote(entry)} "$@"\n`;
}

/** Writes the launcher to `file` (mode 0755, atomically). */
export async function writeTestPluginLauncher(file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, testPluginLauncher(), { mode: 0o755 });
  await chmod(tmp, 0o755);
  await rename(tmp, file);
}

/**
 * Installs the launcher as `<pluginsDir>/wharf-test/notation-wharf-test` and returns its path.
 *
 * @example await installTestPlugin(join(configDir, 'plugins'));
 */
export async function installTestPlugin(pluginsDir: string): Promise<string> {
  const file = join(pluginsDir, TEST_PLUGIN_NAME, pluginExecutableName(TEST_PLUGIN_NAME));
  await writeTestPluginLauncher(file);
  return file;
}
