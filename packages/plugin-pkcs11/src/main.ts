/**
 * The executable's body, apart from `bin.ts` so tests and launchers can reach it.
 * @module
 */
import { Pkcs11PluginError, type PluginErrorCode } from './errors.js';
import { metadata } from './metadata.js';

interface Writable {
  write(chunk: string): unknown;
}

async function readAll(input: AsyncIterable<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString('utf8');
}

/** Each command loads only what it needs: start-up is most of a plugin call's time. */
async function handle(command: string, req: unknown, env: NodeJS.ProcessEnv): Promise<unknown> {
  switch (command) {
    case 'get-plugin-metadata':
      return metadata();
    case 'describe-key':
      return (await import('./request.js')).describeKey(req, env);
    case 'generate-signature':
      return (await import('./plugin.js')).generateSignature(req, env);
    case 'generate-envelope':
    case 'verify-signature':
      throw new Pkcs11PluginError(
        'VALIDATION_ERROR',
        `${command} is not supported: this plugin only has the SIGNATURE_GENERATOR.RAW capability`,
      );
    default:
      throw new Pkcs11PluginError(
        'VALIDATION_ERROR',
        `unknown command ${JSON.stringify(command)} (get-plugin-metadata, describe-key, generate-signature)`,
      );
  }
}

/**
 * Runs one plugin command: request from `stdin`, response to `stdout`, error document to
 * `stderr`. Returns the exit code (0 or 1).
 */
export async function runPlugin(
  command: string,
  stdin: AsyncIterable<unknown>,
  stdout: Writable,
  stderr: Writable,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  try {
    let req: unknown;
    const text = await readAll(stdin);
    try {
      req = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new Pkcs11PluginError('VALIDATION_ERROR', 'the request is not valid JSON');
    }
    if (typeof req !== 'object' || req === null || Array.isArray(req)) {
      throw new Pkcs11PluginError('VALIDATION_ERROR', 'the request must be a JSON object');
    }
    stdout.write(JSON.stringify(await handle(command, req, env)));
    return 0;
  } catch (err) {
    const code: PluginErrorCode = err instanceof Pkcs11PluginError ? err.code : 'ERROR';
    const message =
      err instanceof Pkcs11PluginError
        ? err.message
        : `unexpected failure: ${err instanceof Error ? err.message : String(err)}`;
    stderr.write(JSON.stringify({ errorCode: code, errorMessage: message }));
    return 1;
  }
}
