/**
 * Discovery and invocation of Notary Project plugins (notary.md §5): `plugins/<name>/notation-<name>`
 * executables, one JSON request on stdin, one JSON response on stdout (or an error document on
 * stderr with a non-zero exit), a timeout that kills the child, and bounded output.
 * @module
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { NotaryError, errorMessage, type NotaryErrorCode } from '../errors.js';
import {
  PLUGIN_CONTRACT_VERSION,
  PLUGIN_ERROR_CODES,
  describeKeySchema,
  generateEnvelopeSchema,
  generateSignatureSchema,
  pluginErrorSchema,
  pluginMetadataSchema,
  verifySignatureSchema,
  type DescribeKeyResponse,
  type GenerateEnvelopeResponse,
  type GenerateSignatureResponse,
  type PluginCommand,
  type PluginConfig,
  type PluginMetadata,
  type VerifySignatureResponse,
} from './protocol.js';

/** Default cap per output stream (the spec's 64 MiB). */
export const DEFAULT_PLUGIN_MAX_OUTPUT = 64 * 1024 * 1024;
/** Default time a plugin command may take before it is killed. */
export const DEFAULT_PLUGIN_TIMEOUT_MS = 120_000;

/** Plugin names: a path segment of safe characters, never `.`/`..` or a hidden name. */
const PLUGIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Checks a plugin name (it becomes a directory and a file name).
 *
 * @throws NotaryError `INVALID_ARGUMENT`
 */
export function validatePluginName(name: string): void {
  if (!PLUGIN_NAME.test(name) || name.length > 128) {
    throw new NotaryError(
      'INVALID_ARGUMENT',
      `plugin name ${JSON.stringify(name)} is invalid: use letters, digits, ".", "_" and "-", starting with a letter or digit`,
    );
  }
}

/** The executable's file name for a plugin name (`notation-<name>`). */
export function pluginExecutableName(name: string): string {
  return `notation-${name}`;
}

/** Options for running plugin commands. */
export interface PluginRunOptions {
  /** Kill the child after this long (default {@link DEFAULT_PLUGIN_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
  /** Cap for stdout and for stderr, each (default {@link DEFAULT_PLUGIN_MAX_OUTPUT}). */
  readonly maxOutputBytes?: number;
  /** Environment of the child (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
}

/**
 * Locates `<pluginsDir>/<name>/notation-<name>`: the directory and the file must not be
 * symlinks, the file must be a regular, executable file.
 *
 * @throws NotaryError `INVALID_ARGUMENT` (bad name) | `PLUGIN_NOT_FOUND` | `PLUGIN_INVALID`
 */
export async function findPlugin(pluginsDir: string, name: string): Promise<string> {
  validatePluginName(name);
  const dir = join(pluginsDir, name);
  const file = join(dir, pluginExecutableName(name));
  const dirStat = await lstat(dir).catch(() => undefined);
  if (!dirStat) throw new NotaryError('PLUGIN_NOT_FOUND', `plugin "${name}" is not installed`);
  if (!dirStat.isDirectory()) {
    throw new NotaryError('PLUGIN_INVALID', `plugin "${name}": ${dir} is not a directory`);
  }
  const st = await lstat(file).catch(() => undefined);
  if (!st) {
    throw new NotaryError(
      'PLUGIN_NOT_FOUND',
      `plugin "${name}" is not installed: ${pluginExecutableName(name)} is missing in ${dir}`,
    );
  }
  if (!st.isFile()) {
    throw new NotaryError(
      'PLUGIN_INVALID',
      `plugin "${name}": ${file} is not a regular file (symlinks are refused)`,
    );
  }
  try {
    await access(file, constants.X_OK);
  } catch {
    throw new NotaryError('PLUGIN_INVALID', `plugin "${name}": ${file} is not executable`);
  }
  return file;
}

/** One entry of {@link listPluginDirectories}. */
export interface PluginEntry {
  readonly name: string;
  /** The executable, when it was found and is valid. */
  readonly path?: string;
  readonly error?: NotaryError;
}

/** Lists the plugin directories under `pluginsDir` (missing dir ⇒ empty), sorted by name. */
export async function listPluginDirectories(pluginsDir: string): Promise<PluginEntry[]> {
  const entries = await readdir(pluginsDir, { withFileTypes: true }).catch(() => []);
  const out: PluginEntry[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (!e.isDirectory()) continue;
    try {
      out.push({ name: e.name, path: await findPlugin(pluginsDir, e.name) });
    } catch (err) {
      out.push({
        name: e.name,
        error:
          err instanceof NotaryError
            ? err
            : new NotaryError('PLUGIN_INVALID', errorMessage(err), { cause: err }),
      });
    }
  }
  return out;
}

/** Makes a plugin-supplied text safe to show: one line, bounded. */
function sanitize(text: string, max = 512): string {
  // eslint-disable-next-line no-control-regex
  const one = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

/**
 * Runs one plugin command: writes the JSON request to stdin, reads stdout (bounded), kills the
 * child on timeout or oversized output. A non-zero exit becomes the Wharf code mapped from the
 * plugin's `errorCode`; raw stderr is never copied into messages or logs (it may hold secrets),
 * only a parsed, sanitized `errorMessage`.
 *
 * @throws NotaryError `PLUGIN_*`
 */
export async function runPluginCommand(
  executable: string,
  name: string,
  command: PluginCommand,
  request: unknown,
  options: PluginRunOptions = {},
): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PLUGIN_TIMEOUT_MS;
  const max = options.maxOutputBytes ?? DEFAULT_PLUGIN_MAX_OUTPUT;
  const { code, stdout, stderr, failure } = await new Promise<{
    code: number | null;
    stdout: Buffer;
    stderr: Buffer;
    failure?: NotaryError;
  }>((resolveRun) => {
    let failure: NotaryError | undefined;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let child;
    try {
      child = spawn(executable, [command], {
        env: options.env ?? process.env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (e) {
      resolveRun({
        code: null,
        stdout: Buffer.alloc(0),
        stderr: Buffer.alloc(0),
        failure: new NotaryError('PLUGIN_INVALID', `plugin "${name}" could not be started`, {
          cause: e,
        }),
      });
      return;
    }
    const kill = (f: NotaryError): void => {
      failure ??= f;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      kill(
        new NotaryError(
          'PLUGIN_TIMEOUT',
          `plugin "${name}" ${command} did not finish within ${timeoutMs} ms and was killed`,
        ),
      );
    }, timeoutMs);
    const onAbort = (): void => {
      kill(new NotaryError('PLUGIN_ERROR', `plugin "${name}" ${command} was aborted`));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      outLen += chunk.length;
      if (outLen > max) {
        kill(
          new NotaryError(
            'PLUGIN_OUTPUT_TOO_LARGE',
            `plugin "${name}" ${command} wrote more than ${max} bytes to stdout`,
          ),
        );
        return;
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      errLen += chunk.length;
      if (errLen > max) {
        kill(
          new NotaryError(
            'PLUGIN_OUTPUT_TOO_LARGE',
            `plugin "${name}" ${command} wrote more than ${max} bytes to stderr`,
          ),
        );
        return;
      }
      err.push(chunk);
    });
    // A plugin that exits without reading stdin makes the write fail with EPIPE: ignore it,
    // the exit status tells what happened.
    child.stdin.on('error', () => undefined);
    child.on('error', (e) => {
      failure ??= new NotaryError('PLUGIN_INVALID', `plugin "${name}" could not be run`, {
        cause: e,
      });
    });
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolveRun({
        code: exitCode,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err),
        ...(failure ? { failure } : {}),
      });
    });
    child.stdin.end(JSON.stringify(request));
  });
  if (failure) throw failure;
  if (code !== 0) throw pluginFailure(name, command, code, stderr);
  try {
    return JSON.parse(stdout.toString('utf8')) as unknown;
  } catch {
    throw new NotaryError(
      'PLUGIN_RESPONSE_INVALID',
      `plugin "${name}" ${command} returned a response that is not valid JSON`,
    );
  }
}

function pluginFailure(
  name: string,
  command: PluginCommand,
  exitCode: number | null,
  stderr: Buffer,
): NotaryError {
  let doc: z.infer<typeof pluginErrorSchema> | undefined;
  try {
    const parsed = pluginErrorSchema.safeParse(JSON.parse(stderr.toString('utf8')));
    if (parsed.success) doc = parsed.data;
  } catch {
    doc = undefined;
  }
  const status = exitCode === null ? 'was killed by a signal' : `exited with code ${exitCode}`;
  if (!doc) {
    return new NotaryError(
      'PLUGIN_ERROR',
      `plugin "${name}" ${command} ${status} without a valid error document`,
      { detail: { plugin: name, command } },
    );
  }
  const code: NotaryErrorCode = PLUGIN_ERROR_CODES[doc.errorCode] ?? 'PLUGIN_ERROR';
  const msg = doc.errorMessage ? `: ${sanitize(doc.errorMessage)}` : '';
  return new NotaryError(
    code,
    `plugin "${name}" ${command} failed with ${sanitize(doc.errorCode, 64)}${msg}`,
    { detail: { plugin: name, command, pluginErrorCode: sanitize(doc.errorCode, 64) } },
  );
}

function validated<T>(
  schema: z.ZodType<T>,
  value: unknown,
  name: string,
  command: PluginCommand,
): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
    throw new NotaryError(
      'PLUGIN_RESPONSE_INVALID',
      `plugin "${name}" ${command} returned an invalid response: ${where}${first?.message ?? 'invalid'}`,
    );
  }
  return r.data;
}

/** Request of `generate-signature` (bytes are base64-encoded by the client). */
export interface GenerateSignatureRequest {
  readonly keyId: string;
  readonly keySpec: DescribeKeyResponse['keySpec'];
  readonly hashAlgorithm: 'SHA-256' | 'SHA-384' | 'SHA-512';
  readonly payload: Uint8Array;
  readonly pluginConfig?: PluginConfig;
}

/** Request of `generate-envelope`. */
export interface GenerateEnvelopeRequest {
  readonly keyId: string;
  readonly payload: Uint8Array;
  readonly signatureEnvelopeType: 'application/jose+json' | 'application/cose';
  readonly expiryDurationInSeconds?: number;
  readonly pluginConfig?: PluginConfig;
}

/** Request of `verify-signature` (notary.md §5). */
export interface VerifySignatureRequest {
  readonly signature: {
    readonly criticalAttributes: Readonly<Record<string, unknown>>;
    readonly unprocessedAttributes: readonly string[];
    /** Standard base64 DER certificates, leaf first. */
    readonly certificateChain: readonly string[];
  };
  readonly trustPolicy: {
    readonly trustedIdentities: readonly string[];
    readonly signatureVerification: readonly string[];
  };
  readonly pluginConfig?: PluginConfig;
}

/**
 * A located plugin: one method per protocol command, each validating the response.
 *
 * @example
 * const p = await NotaryPlugin.open(pluginsDir, 'wharf-test');
 * const meta = await p.getMetadata({});
 */
export class NotaryPlugin {
  readonly name: string;
  readonly path: string;
  readonly #options: PluginRunOptions;

  constructor(name: string, path: string, options: PluginRunOptions = {}) {
    this.name = name;
    this.path = path;
    this.#options = options;
  }

  /** Locates `<pluginsDir>/<name>/notation-<name>` ({@link findPlugin}). */
  static async open(
    pluginsDir: string,
    name: string,
    options: PluginRunOptions = {},
  ): Promise<NotaryPlugin> {
    return new NotaryPlugin(name, await findPlugin(pluginsDir, name), options);
  }

  async #run<T>(command: PluginCommand, request: unknown, schema: z.ZodType<T>): Promise<T> {
    const raw = await runPluginCommand(this.path, this.name, command, request, this.#options);
    return validated(schema, raw, this.name, command);
  }

  /**
   * `get-plugin-metadata`; checks that the name matches and contract `1.0` is supported.
   *
   * @throws NotaryError `PLUGIN_*`
   */
  async getMetadata(pluginConfig: PluginConfig = {}): Promise<PluginMetadata> {
    const meta = await this.#run('get-plugin-metadata', { pluginConfig }, pluginMetadataSchema);
    if (meta.name !== this.name) {
      throw new NotaryError(
        'PLUGIN_INVALID',
        `plugin "${this.name}" reports the name ${JSON.stringify(sanitize(meta.name, 128))} in its metadata`,
      );
    }
    if (!meta.supportedContractVersions.includes(PLUGIN_CONTRACT_VERSION)) {
      throw new NotaryError(
        'PLUGIN_UNSUPPORTED_CONTRACT_VERSION',
        `plugin "${this.name}" does not support contract version ${PLUGIN_CONTRACT_VERSION}`,
      );
    }
    return meta;
  }

  /** `describe-key`; the key id must be echoed. */
  async describeKey(keyId: string, pluginConfig: PluginConfig = {}): Promise<DescribeKeyResponse> {
    const r = await this.#run(
      'describe-key',
      { contractVersion: PLUGIN_CONTRACT_VERSION, keyId, pluginConfig },
      describeKeySchema,
    );
    if (r.keyId !== keyId) {
      throw new NotaryError(
        'PLUGIN_RESPONSE_INVALID',
        `plugin "${this.name}" describe-key answered for a different key id`,
      );
    }
    return r;
  }

  /** `generate-signature`; the key id must be echoed. Signature checks are the caller's. */
  async generateSignature(req: GenerateSignatureRequest): Promise<GenerateSignatureResponse> {
    const r = await this.#run(
      'generate-signature',
      {
        contractVersion: PLUGIN_CONTRACT_VERSION,
        keyId: req.keyId,
        pluginConfig: req.pluginConfig ?? {},
        keySpec: req.keySpec,
        hashAlgorithm: req.hashAlgorithm,
        payload: Buffer.from(req.payload).toString('base64'),
      },
      generateSignatureSchema,
    );
    if (r.keyId !== req.keyId) {
      throw new NotaryError(
        'PLUGIN_RESPONSE_INVALID',
        `plugin "${this.name}" generate-signature answered for a different key id`,
      );
    }
    return r;
  }

  /** `generate-envelope`; the envelope type must be echoed. Envelope checks are the caller's. */
  async generateEnvelope(req: GenerateEnvelopeRequest): Promise<GenerateEnvelopeResponse> {
    const r = await this.#run(
      'generate-envelope',
      {
        contractVersion: PLUGIN_CONTRACT_VERSION,
        keyId: req.keyId,
        pluginConfig: req.pluginConfig ?? {},
        payloadType: 'application/vnd.cncf.notary.payload.v1+json',
        signatureEnvelopeType: req.signatureEnvelopeType,
        payload: Buffer.from(req.payload).toString('base64'),
        ...(req.expiryDurationInSeconds === undefined
          ? {}
          : { expiryDurationInSeconds: req.expiryDurationInSeconds }),
      },
      generateEnvelopeSchema,
    );
    if (r.signatureEnvelopeType !== req.signatureEnvelopeType) {
      throw new NotaryError(
        'PLUGIN_RESPONSE_INVALID',
        `plugin "${this.name}" returned a ${sanitize(r.signatureEnvelopeType, 64)} envelope, ${req.signatureEnvelopeType} was requested`,
      );
    }
    return r;
  }

  /** `verify-signature`; result interpretation is the caller's (`verify()`). */
  async verifySignature(req: VerifySignatureRequest): Promise<VerifySignatureResponse> {
    return this.#run(
      'verify-signature',
      {
        contractVersion: PLUGIN_CONTRACT_VERSION,
        signature: req.signature,
        trustPolicy: req.trustPolicy,
        pluginConfig: req.pluginConfig ?? {},
      },
      verifySignatureSchema,
    );
  }
}
