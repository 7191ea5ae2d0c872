import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { digestBytes, parseManifest, WharfError, type Descriptor } from '@wharf/core';
import type { CommandContext } from '../deps.js';
import { formatOption, progressFor, remoteCommand, say, sayJson } from '../oras/command.js';
import {
  confirm,
  jsonText,
  plainDescriptor,
  prettyBytes,
  writeOutput,
  writeStdoutBytes,
} from '../oras/io.js';
import { parseFormat, remoteFlags } from '../oras/options.js';
import { addPlatformOption, parsePlatform, selectPlatform } from '../oras/platform.js';
import { PUSH_VERBS } from '../oras/progress.js';
import {
  fetchManifestOf,
  openTarget,
  readStdinBytes,
  requireReference,
  requireWritable,
} from '../oras/target.js';
import { registerManifestIndex } from './manifest-index.js';
import { fetchAll } from '@wharf/content';

interface FetchOptions {
  readonly descriptor?: boolean;
  readonly pretty?: boolean;
  readonly output?: string;
  readonly format?: string;
  readonly mediaType?: string;
  readonly platform?: string;
}

/** `wharf manifest fetch|fetch-config|push|delete|index`. */
export function registerManifest(program: Command, context: () => CommandContext): void {
  const manifest = program
    .command('manifest')
    .description('Manifest operations')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf manifest fetch localhost:5000/hello:v1\n  wharf manifest delete -f localhost:5000/hello:v1',
    );

  const fetch = manifest
    .command('fetch')
    .aliases(['get', 'show'])
    .description('Fetch a manifest')
    .argument('<target>', 'name{:tag|@digest}')
    .option('--descriptor', 'print the descriptor instead of the content')
    .option('--pretty', 'indent JSON output')
    .option('--media-type <types>', 'accepted media types (comma separated)')
    .option('-o, --output <file>', 'write the manifest to a file (- for stdout)');
  remoteCommand(fetch, { ociLayout: true });
  addPlatformOption(fetch);
  formatOption(fetch, 'text or json')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf manifest fetch localhost:5000/hello:v1\n  wharf manifest fetch --descriptor localhost:5000/hello:v1\n  wharf manifest fetch --format json --oci-layout ./layout:v1',
    )
    .action(async (target: string, opts: FetchOptions) => {
      const ctx = context();
      const format = parseFormat(opts.format, ['text', 'json'], 'text');
      const t = await openTarget(ctx, target, remoteFlags(opts));
      try {
        const platform = parsePlatform(opts.platform);
        const ref =
          platform === undefined
            ? requireReference(t)
            : (
                await selectPlatform(
                  t.store,
                  await t.store.resolve(requireReference(t), { signal: ctx.deps.signal }),
                  platform,
                  ctx.deps.signal,
                )
              ).digest;
        const { descriptor, bytes } = await fetchManifestOf(t, ref, ctx.deps.signal);
        if (opts.output !== undefined && opts.output !== '-')
          await writeOutput(ctx, opts.output, bytes);
        if (format === 'json') {
          const doc = parseManifest(bytes, { mediaType: descriptor.mediaType });
          const artifactType =
            doc.kind === 'manifest' ? doc.manifest.artifactType : doc.index.artifactType;
          sayJson(ctx, {
            reference: `${t.name}@${descriptor.digest}`,
            mediaType: descriptor.mediaType,
            digest: descriptor.digest,
            size: descriptor.size,
            ...(artifactType !== undefined ? { artifactType } : {}),
            content: JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown,
          });
        } else if (opts.descriptor) {
          say(ctx, jsonText(plainDescriptor(descriptor), opts.pretty === true));
        } else if (opts.output === undefined || opts.output === '-') {
          await writeStdoutBytes(ctx, prettyBytes(bytes, opts.pretty === true));
        }
      } finally {
        await t.close();
      }
    });

  const fetchConfig = manifest
    .command('fetch-config')
    .alias('get-config')
    .description('Fetch the config of a manifest')
    .argument('<target>', 'name{:tag|@digest}')
    .option('--descriptor', 'print the config descriptor instead of the content')
    .option('--pretty', 'indent JSON output')
    .option('-o, --output <file>', 'write the config to a file (- for stdout)');
  addPlatformOption(fetchConfig);
  remoteCommand(fetchConfig, { ociLayout: true })
    .addHelpText(
      'after',
      '\nExamples:\n  wharf manifest fetch-config localhost:5000/hello:v1\n  wharf manifest fetch-config --descriptor localhost:5000/hello:v1',
    )
    .action(async (target: string, opts: FetchOptions) => {
      const ctx = context();
      const t = await openTarget(ctx, target, remoteFlags(opts));
      try {
        const signal = ctx.deps.signal;
        const platform = parsePlatform(opts.platform);
        const ref =
          platform === undefined
            ? requireReference(t)
            : (
                await selectPlatform(
                  t.store,
                  await t.store.resolve(requireReference(t), { signal }),
                  platform,
                  signal,
                )
              ).digest;
        const { descriptor, bytes } = await fetchManifestOf(t, ref, signal);
        const doc = parseManifest(bytes, { mediaType: descriptor.mediaType });
        if (doc.kind !== 'manifest')
          throw new WharfError('INVALID_ARGUMENT', `${target} is an index; it has no config`);
        const config: Descriptor = doc.manifest.config;
        if (opts.descriptor) {
          say(ctx, jsonText(plainDescriptor(config), opts.pretty === true));
          return;
        }
        const content = await fetchAll(t.store, config, { signal });
        if (opts.output !== undefined && opts.output !== '-')
          await writeOutput(ctx, opts.output, content);
        else await writeStdoutBytes(ctx, prettyBytes(content, opts.pretty === true));
      } finally {
        await t.close();
      }
    });

  const push = manifest
    .command('push')
    .description('Push a manifest from a file or stdin')
    .argument('<target>', 'name[:tag[,tag]...|@digest]')
    .argument('<file>', 'manifest file, or - for stdin')
    .option('--media-type <type>', 'media type of the manifest (default: its mediaType field)')
    .option('--descriptor', 'print the descriptor of the pushed manifest')
    .option('--pretty', 'indent JSON output')
    .option('--concurrency <n>', 'concurrent tag requests', '5');
  remoteCommand(push, { ociLayout: true, distributionSpec: true })
    .addHelpText(
      'after',
      '\nExamples:\n  wharf manifest push localhost:5000/hello:v1 manifest.json\n  cat manifest.json | wharf manifest push localhost:5000/hello:v1,v2 -',
    )
    .action(async (target: string, file: string, opts: FetchOptions & { tty?: boolean }) => {
      const ctx = context();
      const bytes =
        file === '-' ? await readStdinBytes(ctx) : await readFile(resolve(ctx.deps.cwd, file));
      const mediaType = opts.mediaType ?? parseManifest(bytes, {}).mediaType;
      const desc: Descriptor = { mediaType, digest: digestBytes(bytes), size: bytes.byteLength };
      parseManifest(bytes, { mediaType });
      const t = await openTarget(ctx, target, remoteFlags(opts), {
        create: true,
        multipleTags: true,
      });
      try {
        const store = requireWritable(t);
        const signal = ctx.deps.signal;
        if (t.reference?.startsWith('sha') && t.reference !== desc.digest) {
          throw new WharfError(
            'INVALID_ARGUMENT',
            `the manifest's digest ${desc.digest} differs from ${t.reference}`,
          );
        }
        const progress = progressFor(ctx, PUSH_VERBS, opts, opts.descriptor === true);
        progress.start(desc);
        const first = t.tags[0];
        if (first !== undefined) await store.pushReference(desc, bytes, first, { signal });
        else if (!(await store.exists(desc, { signal }))) await store.push(desc, bytes, { signal });
        progress.done(desc);
        progress.stop();
        for (const tag of t.tags.slice(1)) await store.tag(desc, tag, { signal });
        if (opts.descriptor) {
          say(ctx, jsonText(plainDescriptor(desc), opts.pretty === true));
          return;
        }
        const kind = t.kind === 'registry' ? '[registry]' : '[oci-layout]';
        say(ctx, `Pushed: ${kind} ${t.name}${first !== undefined ? `:${first}` : ''}`);
        for (const tag of t.tags.slice(1)) say(ctx, `Tagged ${tag}`);
        say(ctx, `Digest: ${desc.digest}`);
      } finally {
        await t.close();
      }
    });

  const del = manifest
    .command('delete')
    .aliases(['rm', 'remove'])
    .description('Delete a manifest (and every tag pointing at it)')
    .argument('<target>', 'name{:tag|@digest}')
    .option('-f, --force', 'do not ask for confirmation')
    .option('--descriptor', 'print the descriptor of the deleted manifest')
    .option('--pretty', 'indent JSON output');
  remoteCommand(del, { ociLayout: true, distributionSpec: true })
    .addHelpText('after', '\nExamples:\n  wharf manifest delete -f localhost:5000/hello:v1')
    .action(async (target: string, opts: FetchOptions & { force?: boolean }) => {
      const ctx = context();
      const t = await openTarget(ctx, target, remoteFlags(opts));
      try {
        const signal = ctx.deps.signal;
        const desc = await t.store.resolve(requireReference(t), { signal });
        const store = requireWritable(t);
        if (!opts.force) {
          const ok = await confirm(
            ctx,
            `Are you sure you want to delete the manifest "${desc.digest}" and all tags associated with it?`,
          );
          if (!ok) {
            say(ctx, 'Operation cancelled.');
            return;
          }
        }
        if (!store.delete)
          throw new WharfError('INVALID_ARGUMENT', `${target} does not support deletion`);
        await store.delete(desc, { signal });
        if (opts.descriptor) say(ctx, jsonText(plainDescriptor(desc), opts.pretty === true));
        else say(ctx, `Deleted ${t.display}`);
      } finally {
        await t.close();
      }
    });

  registerManifestIndex(manifest, context);
  for (const c of manifest.commands) c.exitOverride();
  manifest.exitOverride();
}
