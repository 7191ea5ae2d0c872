import type { Command } from 'commander';
import { fetchAll } from '@wharf/content';
import {
  MEDIA_TYPE_OCI_INDEX,
  WharfError,
  digestBytes,
  isImageManifestMediaType,
  parseManifest,
  type Descriptor,
  type ImageIndex,
  type Platform,
} from '@wharf/core';
import type { CommandContext } from '../deps.js';
import { collect, remoteCommand, say } from '../oras/command.js';
import { prettyBytes, writeOutput, writeStdoutBytes } from '../oras/io.js';
import { remoteFlags } from '../oras/options.js';
import { shortDigest } from '../oras/progress.js';
import {
  fetchManifestOf,
  openTarget,
  requireReference,
  requireWritable,
  type OpenedTarget,
} from '../oras/target.js';
import { usageError } from '../usage.js';

interface IndexOptions {
  readonly artifactType?: string;
  readonly annotation?: string[];
  readonly output?: string;
  readonly add?: string[];
  readonly merge?: string[];
  readonly remove?: string[];
  readonly tag?: string[];
  readonly pretty?: boolean;
}

/** Status lines: stdout, or stderr when `-o -` puts the index on stdout (as oras does). */
function statusPrinter(ctx: CommandContext, output: string | undefined): (line: string) => void {
  return output === '-' ? (line) => ctx.deps.stderr.write(`${line}\n`) : (line) => say(ctx, line);
}

/** Resolves a source manifest in the target's repository and describes it with its platform. */
async function describeSource(
  ctx: CommandContext,
  t: OpenedTarget,
  ref: string,
  status: (line: string) => void,
): Promise<Descriptor> {
  const signal = ctx.deps.signal;
  status(`Fetching  ${ref}`);
  const { descriptor, bytes } = await fetchManifestOf(t, ref.replace(/^@/, ''), signal);
  status(`Fetched   ${descriptor.digest} ${ref}`);
  const doc = parseManifest(bytes, { mediaType: descriptor.mediaType });
  let platform: Platform | undefined;
  let artifactType: string | undefined;
  if (doc.kind === 'manifest') {
    artifactType = doc.manifest.artifactType;
    if (
      isImageManifestMediaType(descriptor.mediaType) &&
      doc.manifest.config.size < 4 * 1024 * 1024
    ) {
      try {
        const config = JSON.parse(
          Buffer.from(await fetchAll(t.store, doc.manifest.config, { signal })).toString('utf8'),
        ) as Partial<Platform>;
        if (typeof config.os === 'string' && typeof config.architecture === 'string') {
          platform = {
            architecture: config.architecture,
            os: config.os,
            ...(typeof config.variant === 'string' ? { variant: config.variant } : {}),
          };
        }
      } catch {
        // not an image config: no platform
      }
    }
  }
  return {
    mediaType: descriptor.mediaType,
    digest: descriptor.digest,
    size: descriptor.size,
    ...(artifactType !== undefined ? { artifactType } : {}),
    ...(platform ? { platform } : {}),
  };
}

function annotationMap(list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of list ?? []) {
    const i = a.indexOf('=');
    if (i <= 0) throw usageError(`invalid annotation "${a}": expected key=value`);
    out[a.slice(0, i)] = a.slice(i + 1);
  }
  return out;
}

/** Pushes (or writes with `-o`) an index and prints oras's lines. */
async function emit(
  ctx: CommandContext,
  t: OpenedTarget,
  index: ImageIndex,
  tags: readonly string[],
  output: string | undefined,
  pretty: boolean,
): Promise<void> {
  const bytes = new TextEncoder().encode(JSON.stringify(index));
  const status = statusPrinter(ctx, output);
  const desc: Descriptor = {
    mediaType: MEDIA_TYPE_OCI_INDEX,
    digest: digestBytes(bytes),
    size: bytes.byteLength,
  };
  status(`Packed    ${shortDigest(desc.digest)} ${desc.mediaType}`);
  if (output === '-') {
    await writeStdoutBytes(ctx, prettyBytes(bytes, pretty));
    return;
  }
  if (output !== undefined) {
    await writeOutput(ctx, output, bytes);
    say(ctx, `Digest: ${desc.digest}`);
    return;
  }
  const store = requireWritable(t);
  const signal = ctx.deps.signal;
  if (tags[0] !== undefined) await store.pushReference(desc, bytes, tags[0], { signal });
  else if (!(await store.exists(desc, { signal }))) await store.push(desc, bytes, { signal });
  for (const tag of tags.slice(1)) await store.tag(desc, tag, { signal });
  const kind = t.kind === 'registry' ? '[registry]' : '[oci-layout]';
  say(
    ctx,
    `Pushed    ${kind} ${t.name}${tags[0] !== undefined ? `:${tags[0]}` : `@${desc.digest}`}`,
  );
  for (const tag of tags.slice(1)) say(ctx, `Tagged    ${tag}`);
  say(ctx, `Digest: ${desc.digest}`);
}

/** `wharf manifest index create|update` (experimental in oras). */
export function registerManifestIndex(manifest: Command, context: () => CommandContext): void {
  const index = manifest
    .command('index')
    .description('Image index operations (experimental)')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf manifest index create localhost:5000/hello:multi v1-amd64 v1-arm64\n  wharf manifest index update localhost:5000/hello:multi --add v1-s390x',
    );
  const create = index
    .command('create')
    .alias('pack')
    .description('Create an image index from manifests in the same repository')
    .argument('<target>', 'name[:tag[,tag]...]')
    .argument('<sources...>', 'tags or digests of manifests in the repository')
    .option('--artifact-type <type>', 'artifact type of the index')
    .option('-a, --annotation <key=value>', 'index annotation (repeatable)', collect)
    .option('-o, --output <file>', 'write the index to a file (- for stdout) instead of pushing')
    .option('--pretty', 'indent the JSON written to stdout');
  remoteCommand(create, { ociLayout: true })
    .addHelpText(
      'after',
      '\nExamples:\n  wharf manifest index create localhost:5000/hello:multi linux-amd64 linux-arm64\n  wharf manifest index create -o - localhost:5000/hello sha256:…',
    )
    .action(async (target: string, sources: string[], opts: IndexOptions) => {
      const ctx = context();
      const t = await openTarget(ctx, target, remoteFlags(opts), {
        create: true,
        multipleTags: true,
      });
      try {
        const manifests: Descriptor[] = [];
        const status = statusPrinter(ctx, opts.output);
        for (const src of sources) manifests.push(await describeSource(ctx, t, src, status));
        // No created annotation: oras 1.3 adds none to indexes, so both make the same bytes.
        const annotations = annotationMap(opts.annotation);
        const idx: ImageIndex = {
          schemaVersion: 2,
          mediaType: MEDIA_TYPE_OCI_INDEX,
          ...(opts.artifactType !== undefined ? { artifactType: opts.artifactType } : {}),
          manifests,
          ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        };
        await emit(ctx, t, idx, t.tags, opts.output, opts.pretty === true);
      } finally {
        await t.close();
      }
    });

  const update = index
    .command('update')
    .description('Add, merge or remove manifests of an image index')
    .argument('<target>', 'name{:tag|@digest} of the index')
    .option('--add <ref>', 'add a manifest (repeatable)', collect)
    .option('--merge <ref>', 'merge the manifests of another index (repeatable)', collect)
    .option('--remove <digest>', 'remove a manifest (repeatable)', collect)
    .option('--tag <tag>', 'tag the updated index (repeatable)', collect)
    .option('--artifact-type <type>', 'set the artifact type')
    .option('-o, --output <file>', 'write the index to a file (- for stdout) instead of pushing')
    .option('--pretty', 'indent the JSON written to stdout');
  remoteCommand(update, { ociLayout: true })
    .addHelpText(
      'after',
      '\nExamples:\n  wharf manifest index update localhost:5000/hello:multi --add linux-s390x --remove sha256:…',
    )
    .action(async (target: string, opts: IndexOptions) => {
      const ctx = context();
      const t = await openTarget(ctx, target, remoteFlags(opts));
      try {
        const ref = requireReference(t);
        const { bytes, descriptor } = await fetchManifestOf(t, ref, ctx.deps.signal);
        const doc = parseManifest(bytes, { mediaType: descriptor.mediaType });
        if (doc.kind !== 'index')
          throw new WharfError('INVALID_ARGUMENT', `${target} is not an index`);
        const status = statusPrinter(ctx, opts.output);
        let manifests = [...doc.index.manifests];
        for (const add of opts.add ?? []) {
          const d = await describeSource(ctx, t, add, status);
          if (!manifests.some((m) => m.digest === d.digest)) manifests.push(d);
          status(`Added     ${d.digest}`);
        }
        for (const merge of opts.merge ?? []) {
          const other = await fetchManifestOf(t, merge.replace(/^@/, ''), ctx.deps.signal);
          const od = parseManifest(other.bytes, { mediaType: other.descriptor.mediaType });
          if (od.kind !== 'index')
            throw new WharfError('INVALID_ARGUMENT', `${merge} is not an index`);
          for (const m of od.index.manifests)
            if (!manifests.some((x) => x.digest === m.digest)) manifests.push(m);
          status(`Merged    ${other.descriptor.digest}`);
        }
        for (const rm of opts.remove ?? []) {
          if (!manifests.some((m) => m.digest === rm))
            throw new WharfError('NOT_FOUND', `${rm} is not in the index`);
          manifests = manifests.filter((m) => m.digest !== rm);
          status(`Removed   ${rm}`);
        }
        const idx: ImageIndex = {
          ...doc.index,
          ...(opts.artifactType !== undefined ? { artifactType: opts.artifactType } : {}),
          manifests,
        };
        const tags = [...(ref.includes(':') ? [] : [ref]), ...(opts.tag ?? [])];
        await emit(ctx, t, idx, tags, opts.output, opts.pretty === true);
      } finally {
        await t.close();
      }
    });
}
