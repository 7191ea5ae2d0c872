/** Actions of a repository scope. */
export type ScopeAction = 'pull' | 'push' | 'delete' | '*';

/** The catalog scope (`GET /v2/_catalog`). */
export const CATALOG_SCOPE = 'registry:catalog:*';

/**
 * Builds `repository:<name>:<actions>` (actions sorted, de-duplicated).
 * @example repositoryScope('acme/app', 'pull', 'push') // 'repository:acme/app:pull,push'
 */
export function repositoryScope(name: string, ...actions: ScopeAction[]): string {
  return `repository:${name}:${[...new Set(actions)].sort().join(',')}`;
}

/**
 * Merges scopes per resource (`type:name`), unions their actions, sorts everything, and drops
 * duplicates (oras-go `CleanScopes`). A `*` action absorbs the others. Scopes without the
 * `type:name:actions` shape are kept verbatim.
 *
 * @example cleanScopes(['repository:a:push', 'repository:a:pull', 'repository:b:pull'])
 * // ['repository:a:pull,push', 'repository:b:pull']
 */
export function cleanScopes(scopes: Iterable<string>): string[] {
  const actionsByResource = new Map<string, Set<string>>();
  const verbatim = new Set<string>();
  for (const raw of scopes) {
    for (const scope of raw.split(' ')) {
      if (scope === '') continue;
      const last = scope.lastIndexOf(':');
      const first = scope.indexOf(':');
      if (first === -1 || last === first) {
        verbatim.add(scope);
        continue;
      }
      const resource = scope.slice(0, last);
      const actions = scope
        .slice(last + 1)
        .split(',')
        .filter((a) => a !== '');
      if (actions.length === 0) continue;
      let set = actionsByResource.get(resource);
      if (!set) actionsByResource.set(resource, (set = new Set()));
      for (const a of actions) set.add(a);
    }
  }
  const out = [...verbatim];
  for (const [resource, set] of actionsByResource) {
    const actions = set.has('*') ? ['*'] : [...set].sort();
    out.push(`${resource}:${actions.join(',')}`);
  }
  return out.sort();
}

/** The token cache key: the cleaned scopes joined by spaces. */
export function scopeKey(scopes: Iterable<string>): string {
  return cleanScopes(scopes).join(' ');
}
