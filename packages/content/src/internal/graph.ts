import { isManifestMediaType, type Descriptor } from '@wharf/core';
import { parseNode, type NodeInfo } from './manifest.js';

/** Strips a descriptor to the fields that identify a node (plus artifactType/annotations). */
function nodeDescriptor(desc: Descriptor): Descriptor {
  return {
    mediaType: desc.mediaType,
    digest: desc.digest,
    size: desc.size,
    ...(desc.artifactType !== undefined ? { artifactType: desc.artifactType } : {}),
    ...(desc.annotations !== undefined ? { annotations: desc.annotations } : {}),
    ...(desc.platform !== undefined ? { platform: desc.platform } : {}),
  };
}

/**
 * In-memory predecessor and referrer index, fed with manifests as they are stored.
 */
export class GraphIndex {
  /** child digest → (parent digest → parent descriptor) */
  readonly #predecessors = new Map<string, Map<string, Descriptor>>();
  /** subject digest → (referrer digest → referrer descriptor) */
  readonly #referrers = new Map<string, Map<string, Descriptor>>();
  /** parent digest → successor digests (for removal) */
  readonly #successors = new Map<string, { children: string[]; subject: string | undefined }>();

  /** True when the manifest has been indexed. */
  has(digest: string): boolean {
    return this.#successors.has(digest);
  }

  /**
   * Indexes a manifest's edges. Non-manifest media types are ignored; unparsable manifests are
   * ignored too (they are still stored, as the spec demands opaque tolerance).
   */
  indexBytes(desc: Descriptor, bytes: Uint8Array): NodeInfo | undefined {
    if (!isManifestMediaType(desc.mediaType) || this.#successors.has(desc.digest)) return undefined;
    let node: NodeInfo;
    try {
      node = parseNode(desc, bytes);
    } catch {
      // Remember it (without edges) so it is not fetched and parsed again.
      this.#successors.set(desc.digest, { children: [], subject: undefined });
      return undefined;
    }
    this.indexNode(desc, node);
    return node;
  }

  indexNode(desc: Descriptor, info: NodeInfo): void {
    if (this.#successors.has(desc.digest)) return;
    const node = nodeDescriptor(desc);
    const children: string[] = [];
    for (const succ of info.successors) {
      let parents = this.#predecessors.get(succ.digest);
      if (!parents) {
        parents = new Map();
        this.#predecessors.set(succ.digest, parents);
      }
      parents.set(desc.digest, node);
      children.push(succ.digest);
    }
    const { subject } = info;
    if (subject) {
      let refs = this.#referrers.get(subject.digest);
      if (!refs) {
        refs = new Map();
        this.#referrers.set(subject.digest, refs);
      }
      refs.set(desc.digest, info.referrer);
    }
    this.#successors.set(desc.digest, { children, subject: subject?.digest });
  }

  /** Forgets a manifest's outgoing edges. */
  remove(digest: string): void {
    const entry = this.#successors.get(digest);
    if (!entry) return;
    for (const child of entry.children) {
      const parents = this.#predecessors.get(child);
      parents?.delete(digest);
      if (parents?.size === 0) this.#predecessors.delete(child);
    }
    if (entry.subject !== undefined) {
      const refs = this.#referrers.get(entry.subject);
      refs?.delete(digest);
      if (refs?.size === 0) this.#referrers.delete(entry.subject);
    }
    this.#successors.delete(digest);
  }

  predecessors(digest: string): Descriptor[] {
    return [...(this.#predecessors.get(digest)?.values() ?? [])];
  }

  referrers(digest: string, artifactType?: string): Descriptor[] {
    const all = [...(this.#referrers.get(digest)?.values() ?? [])];
    return artifactType === undefined ? all : all.filter((d) => d.artifactType === artifactType);
  }
}
