import { homedir } from 'node:os';
import { join } from 'node:path';

/** The environment variables that decide where files live. */
export type PathEnv = Readonly<Record<string, string | undefined>>;

function home(env: PathEnv): string {
  return env['HOME'] && env['HOME'] !== '' ? env['HOME'] : homedir();
}

/** `$XDG_CONFIG_HOME`, else `~/.config` (XDG Base Directory spec; relative values are ignored). */
export function xdgConfigHome(env: PathEnv): string {
  const v = env['XDG_CONFIG_HOME'];
  return v && v.startsWith('/') ? v : join(home(env), '.config');
}

/** `$XDG_CACHE_HOME`, else `~/.cache`. */
export function xdgCacheHome(env: PathEnv): string {
  const v = env['XDG_CACHE_HOME'];
  return v && v.startsWith('/') ? v : join(home(env), '.cache');
}

/** `$XDG_DATA_HOME`, else `~/.local/share`. */
export function xdgDataHome(env: PathEnv): string {
  const v = env['XDG_DATA_HOME'];
  return v && v.startsWith('/') ? v : join(home(env), '.local', 'share');
}

/** Where Wharf's files live, and the notation and docker files it honours. */
export interface WharfPaths {
  /** `$XDG_CONFIG_HOME/wharf` */
  readonly configDir: string;
  /** `$XDG_CACHE_HOME/wharf`: SBOM layer cache, vulnerability database, CRL cache. */
  readonly cacheDir: string;
  /** `$XDG_CONFIG_HOME/notation`, shared with notation so an existing setup works unchanged. */
  readonly notationConfigDir: string;
  /** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, shared with docker, oras and notation. */
  readonly dockerConfigFile: string;
}

/** Resolves every file location from the environment. Pure. */
export function resolvePaths(env: PathEnv): WharfPaths {
  const config = xdgConfigHome(env);
  const dockerDir =
    env['DOCKER_CONFIG'] && env['DOCKER_CONFIG'] !== ''
      ? env['DOCKER_CONFIG']
      : join(home(env), '.docker');
  return {
    configDir: join(config, 'wharf'),
    cacheDir: join(xdgCacheHome(env), 'wharf'),
    notationConfigDir: join(config, 'notation'),
    dockerConfigFile: join(dockerDir, 'config.json'),
  };
}
