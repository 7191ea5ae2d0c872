import type { Evidence } from '../catalogers/types.js';
import type { SbomWarning } from '../types.js';
import { DIGEST_RECORD_CHARS, type EntryRecord, type LayerAnalysis } from './analyse.js';
import { splitPath } from './paths.js';

interface Node {
  type: 'f' | 'd' | 'l' | 'h';
  layer: number;
  link?: string;
  children?: Map<string, Node>;
  /** A regular file's SHA-1 and SHA-256: its layer's digest string and its record's offset. */
  digests?: string;
  digestAt?: number;
}

/** A regular file of the squashed image, with its digests and the layer it came from. */
export interface VisibleFile {
  readonly path: string;
  /** Index of the layer in the image's layer list. */
  readonly layer: number;
  readonly sha1: string;
  readonly sha256: string;
}

/** Evidence still visible in the squashed image, with the layer it came from. */
export interface VisibleEvidence {
  readonly path: string;
  /** Index of the layer in the image's layer list. */
  readonly layer: number;
  readonly evidence: readonly Evidence[];
}

/** [sha1, sha256] of a file node, or of a hard link's target file. */
function digestsOf(
  node: Node,
  lookup: (path: string) => Node | undefined,
): readonly [string, string] | undefined {
  let file: Node | undefined = node;
  // a hard link resolved when its layer was applied carries its target's digests itself
  if (node.type === 'h' && node.digests === undefined)
    file = node.link === undefined ? undefined : lookup(node.link);
  if (file === undefined || (file.type !== 'f' && file.type !== 'h')) return undefined;
  if (file.digests === undefined || file.digestAt === undefined) return undefined;
  const at = file.digestAt;
  return [file.digests.slice(at, at + 40), file.digests.slice(at + 40, at + DIGEST_RECORD_CHARS)];
}

/** Longest chain of symlinks followed while resolving one path (Linux's MAXSYMLINKS). */
export const MAX_LINK_HOPS = 40;

/** The squashed file tree of an image: what a running container would see. */
export class SquashedTree {
  readonly #root: Node = { type: 'd', layer: -1, children: new Map() };
  readonly #evidence = new Map<string, VisibleEvidence>();

  /** Applies layers in order (lowest first), with opaque directories and whiteouts. */
  static build(layers: readonly LayerAnalysis[]): SquashedTree {
    const tree = new SquashedTree();
    layers.forEach((l, i) => tree.#apply(l, i));
    return tree;
  }

  #apply(layer: LayerAnalysis, index: number): void {
    // Opaque markers and whiteouts act on the lower layers only, so they go first.
    for (const dir of layer.opaqueDirs) {
      const node = this.#lookup(dir);
      if (node?.type === 'd') {
        for (const name of [...(node.children?.keys() ?? [])]) {
          this.#forget(dir === '/' ? `/${name}` : `${dir}/${name}`);
        }
        node.children = new Map();
      }
    }
    for (const path of layer.whiteouts) this.#remove(path);
    // Entries come in tar order, so most share the previous entry's directory: its children map
    // is kept and reused while that directory is unchanged, instead of walking from the root for
    // every entry (the squash is most of a warm run's own work). Reuse is safe: an entry only
    // adds or replaces a node inside its own directory, which leaves that directory attached.
    let lastDir: string | undefined;
    let lastChildren: Map<string, Node> | undefined;
    const digests = layer.digests;
    let digestAt = 0;
    const entries = layer.entries;
    for (let i = 0; i < entries.length; i++) {
      // indexed rather than destructured: this loop mostly runs before the JIT has compiled it,
      // and array destructuring goes through the iterator protocol in the interpreter
      const entry = entries[i] as EntryRecord;
      const path = entry[0];
      const type = entry[1];
      const link = entry[2];
      // every `f` entry has a digest record, in entry order, whatever happens to its node below
      let at = -1;
      if (type === 'f') {
        at = digestAt;
        digestAt += DIGEST_RECORD_CHARS;
      }
      let parent: Map<string, Node>;
      let name: string | undefined;
      const slash = path.lastIndexOf('/');
      if (slash >= 0 && slash < path.length - 1 && !path.includes('//')) {
        // canonical `/a/b/c`: the directory is everything before the last slash
        const dir = path.slice(0, slash);
        name = path.slice(slash + 1);
        if (dir === lastDir && lastChildren !== undefined) parent = lastChildren;
        else {
          parent = this.#ensureDir(splitPath(dir), index);
          lastDir = dir;
          lastChildren = parent;
        }
      } else {
        const parts = splitPath(path);
        name = parts.pop();
        if (name === undefined) continue;
        parent = this.#ensureDir(parts, index);
        lastDir = undefined;
      }
      const existing = parent.get(name);
      if (existing !== undefined && existing.type === 'd' && type === 'd') {
        existing.layer = index;
        continue;
      }
      if (existing?.type === 'd') this.#forget(path);
      const node: Node = { type, layer: index };
      if (link !== undefined) node.link = link;
      if (type === 'd') node.children = new Map();
      else if (type === 'f') {
        node.digests = digests;
        node.digestAt = at;
      } else if (type === 'h' && link !== undefined) {
        // a hard link shares its target's content as the target is now (an earlier entry of
        // this layer), even if a later layer replaces the target path
        const target = this.#lookup(link);
        if (target?.type === 'f' && target.digests !== undefined) {
          node.digests = target.digests;
          if (target.digestAt !== undefined) node.digestAt = target.digestAt;
        }
      }
      parent.set(name, node);
      this.#evidence.delete(path);
    }
    for (const e of layer.evidence) {
      this.#evidence.set(e.path, { path: e.path, layer: index, evidence: e.evidence });
    }
  }

  #ensureDir(parts: readonly string[], layer: number): Map<string, Node> {
    let cur = this.#root;
    for (const p of parts) {
      const children = cur.children ?? new Map<string, Node>();
      cur.children = children;
      let next = children.get(p);
      if (next === undefined || next.type !== 'd') {
        next = { type: 'd', layer, children: new Map() };
        children.set(p, next);
      }
      cur = next;
    }
    return cur.children ?? new Map<string, Node>();
  }

  /** Node at a literal path (no symlink following). */
  #lookup(path: string): Node | undefined {
    let cur: Node | undefined = this.#root;
    for (const p of splitPath(path)) {
      cur = cur?.children?.get(p);
      if (cur === undefined) return undefined;
    }
    return cur;
  }

  #remove(path: string): void {
    const parts = splitPath(path);
    const name = parts.pop();
    if (name === undefined) return;
    const parent = this.#lookup('/' + parts.join('/'));
    if (parent?.children?.delete(name) === true) this.#forget(path);
  }

  /** Drops evidence at or below `path`. */
  #forget(path: string): void {
    const prefix = path.endsWith('/') ? path : path + '/';
    for (const key of this.#evidence.keys()) {
      if (key === path || key.startsWith(prefix)) this.#evidence.delete(key);
    }
  }

  /**
   * The regular file at a literal path (symlinks are not followed; a hard link gives its target's
   * digests), or undefined when the path is absent, not a file, or has no digests.
   */
  fileAt(path: string): VisibleFile | undefined {
    const node = this.#lookup(path);
    if (node === undefined || (node.type !== 'f' && node.type !== 'h')) return undefined;
    const d = digestsOf(node, (p) => this.#lookup(p));
    return d === undefined ? undefined : { path, layer: node.layer, sha1: d[0], sha256: d[1] };
  }

  /**
   * A lookup for many paths as a package database lists them: like {@link fileAt} after resolving
   * the path's directories through symlinks inside the root, with each directory resolved once
   * (a Debian image lists about 10 000 paths in 1 500 directories). The last component is not
   * followed. Non-canonical paths (`.`, `..`, `//`, relative) take the general {@link resolve}.
   */
  listedFileResolver(): (path: string) => VisibleFile | undefined {
    interface Dir {
      readonly node: Node;
      /** Real path without a trailing slash ('' for the root). */
      readonly real: string;
    }
    const root: Dir = { node: this.#root, real: '' };
    const dirs = new Map<string, Dir | null>();
    const dirOf = (dir: string): Dir | null => {
      if (dir === '' || dir === '/') return root;
      const hit = dirs.get(dir);
      if (hit !== undefined) return hit;
      const slash = dir.lastIndexOf('/');
      const parent = dirOf(dir.slice(0, slash));
      let out: Dir | null = null;
      if (parent !== null) {
        const name = dir.slice(slash + 1);
        const child = parent.node.children?.get(name);
        if (child?.type === 'd') out = { node: child, real: `${parent.real}/${name}` };
        else if (child?.type === 'l') {
          const target = this.resolve(`${parent.real}/${name}`);
          const node = target === undefined ? undefined : this.#lookup(target);
          if (target !== undefined && node?.type === 'd')
            out = { node, real: target === '/' ? '' : target };
        }
      }
      dirs.set(dir, out);
      return out;
    };
    const canonical = /^(?:\/(?!\.\.?(?:\/|$))[^/]+)+$/;
    return (path) => {
      if (!canonical.test(path)) {
        const slash = path.lastIndexOf('/');
        const dir = slash <= 0 ? '/' : this.resolve(path.slice(0, slash));
        if (dir === undefined || slash < 0) return undefined;
        const real = `${dir === '/' ? '' : dir}/${path.slice(slash + 1)}`;
        return this.fileAt(real);
      }
      const slash = path.lastIndexOf('/');
      const d = dirOf(path.slice(0, slash));
      if (d === null) return undefined;
      const name = path.slice(slash + 1);
      const node = d.node.children?.get(name);
      if (node === undefined || (node.type !== 'f' && node.type !== 'h')) return undefined;
      const digests = digestsOf(node, (p) => this.#lookup(p));
      if (digests === undefined) return undefined;
      return {
        path: `${d.real}/${name}`,
        layer: node.layer,
        sha1: digests[0],
        sha256: digests[1],
      };
    };
  }

  /** True when a literal path exists in the squashed tree. */
  exists(path: string): boolean {
    return this.#lookup(path) !== undefined;
  }

  /** Evidence whose file is still visible, sorted by path. */
  visibleEvidence(): VisibleEvidence[] {
    return [...this.#evidence.values()].sort((a, b) =>
      a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
    );
  }

  /** Evidence at a path after resolving symlinks (e.g. `/etc/os-release`). */
  evidenceAt(path: string, warnings?: SbomWarning[]): VisibleEvidence | undefined {
    const real = this.resolve(path, warnings);
    return real === undefined ? undefined : this.#evidence.get(real);
  }

  /**
   * Resolves symlinks and hard links inside the image root, the way a chroot would: `..` at
   * the root stays at the root and absolute targets start at the image root, so resolution
   * never leaves the image. Loops and chains over {@link MAX_LINK_HOPS} give undefined and a
   * LINK_LOOP warning; climbing above the root adds LINK_ESCAPES_ROOT.
   */
  resolve(path: string, warnings?: SbomWarning[]): string | undefined {
    let hops = 0;
    let pending = splitPath(path);
    const done: string[] = [];
    let escaped = false;
    while (pending.length > 0) {
      const part = pending.shift() ?? '';
      if (part === '.') continue;
      if (part === '..') {
        if (done.length === 0) escaped = true;
        done.pop();
        continue;
      }
      const here = '/' + [...done, part].join('/');
      const node = this.#lookup(here);
      if (node === undefined) {
        warnings?.push({
          code: 'LINK_TARGET_MISSING',
          message: `${path}: ${here} does not exist in the image`,
          path,
        });
        return undefined;
      }
      if (node.type === 'l' || (node.type === 'h' && pending.length === 0)) {
        if (++hops > MAX_LINK_HOPS) {
          warnings?.push({
            code: 'LINK_LOOP',
            message: `${path}: symlink loop or chain over ${MAX_LINK_HOPS} links`,
            path,
          });
          return undefined;
        }
        const link = node.link ?? '';
        if (link.startsWith('/') || node.type === 'h') done.length = 0;
        pending = [...link.split('/').filter((p) => p !== ''), ...pending];
        continue;
      }
      done.push(part);
    }
    if (escaped) {
      warnings?.push({
        code: 'LINK_ESCAPES_ROOT',
        message: `${path}: a link climbs above the image root; resolved inside the root instead`,
        path,
      });
    }
    return '/' + done.join('/');
  }
}
