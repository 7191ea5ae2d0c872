import { spawn } from 'node:child_process';
import type { Credential } from '../auth/token.js';
import { RegistryClientError } from '../errors.js';

/** Options for running a `docker-credential-<name>` helper. */
export interface HelperOptions {
  /** Environment of the helper (its `PATH` finds it); default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Kill the helper after this long; default 60 s. */
  readonly timeoutMs?: number;
}

/** The username a helper returns when its secret is an identity token. */
export const IDENTITY_TOKEN_USERNAME = '<token>';

const NOT_FOUND = /credentials not found/i;

async function run(
  name: string,
  action: string,
  input: string,
  options: HelperOptions,
): Promise<{ code: number; stdout: string }> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new RegistryClientError(
      'CREDENTIAL_HELPER_FAILED',
      `invalid credential helper name ${JSON.stringify(name)}`,
    );
  }
  const program = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = e.code === 'ENOENT' ? `${program} not found in PATH` : `cannot run ${program}`;
      reject(
        new RegistryClientError('CREDENTIAL_HELPER_FAILED', why, {
          cause: e,
          detail: { helper: name },
        }),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      if (code !== 0 && !NOT_FOUND.test(stdout)) {
        // Helpers print their error on stdout; never echo it whole (it may contain input).
        const message =
          (stdout.trim() || Buffer.concat(err).toString('utf8').trim())
            .split('\n', 1)[0]
            ?.slice(0, 200) ?? '';
        reject(
          new RegistryClientError(
            'CREDENTIAL_HELPER_FAILED',
            `${program} ${action} failed (exit ${code ?? 'signal'}): ${message}`,
            { detail: { helper: name } },
          ),
        );
        return;
      }
      resolve({ code: code ?? 0, stdout });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** `docker-credential-<name> get`: the credential for `serverUrl`, or undefined when none. */
export async function helperGet(
  name: string,
  serverUrl: string,
  options: HelperOptions = {},
): Promise<Credential | undefined> {
  const { code, stdout } = await run(name, 'get', serverUrl, options);
  if (code !== 0) return undefined;
  let value: { Username?: unknown; Secret?: unknown };
  try {
    value = JSON.parse(stdout) as typeof value;
  } catch (err) {
    throw new RegistryClientError(
      'CREDENTIAL_HELPER_FAILED',
      `docker-credential-${name} get printed invalid JSON`,
      { cause: err },
    );
  }
  const username = typeof value.Username === 'string' ? value.Username : '';
  const secret = typeof value.Secret === 'string' ? value.Secret : '';
  if (secret === '') return undefined;
  if (username === IDENTITY_TOKEN_USERNAME) return { refreshToken: secret };
  return { username, password: secret };
}

/** `docker-credential-<name> store` with `{ServerURL, Username, Secret}` on stdin. */
export async function helperStore(
  name: string,
  serverUrl: string,
  cred: Credential,
  options: HelperOptions = {},
): Promise<void> {
  const payload = cred.refreshToken
    ? { ServerURL: serverUrl, Username: IDENTITY_TOKEN_USERNAME, Secret: cred.refreshToken }
    : { ServerURL: serverUrl, Username: cred.username ?? '', Secret: cred.password ?? '' };
  await run(name, 'store', JSON.stringify(payload), options);
}

/** `docker-credential-<name> erase` (a missing entry is not an error). */
export async function helperErase(
  name: string,
  serverUrl: string,
  options: HelperOptions = {},
): Promise<void> {
  await run(name, 'erase', serverUrl, options);
}
