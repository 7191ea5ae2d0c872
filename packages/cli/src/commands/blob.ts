import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { WharfError, digestBytes, isDigest, type Descriptor } from '@wharf/core/lite';
import type { CommandContext } from '../deps.js';
import { progressFor, remoteCommand, say } from '../oras/command.js';
import { confirm, jsonText, plainDescriptor, writeStdoutBytes } from '../oras/io.js';
import { remoteFlags } from '../oras/options.js';
import { PUSH_VERBS } from '../oras/progress.js';
import { pushBlob } from '../oras/push.js';
import { openTarget, readStdinBytes, requireWritable, type OpenedTarget } from '../oras/target.js';
import { usageError } from '../usage.js';
import { registerBlobSigning } from './blob-sign.js';

interface BlobOptions {
  readonly output?: string;
  readonly descriptor?: boolean;
  readonly pretty?: boolean;
  readonly size?: string;
  readonly mediaType?: string;
  readonly force?: boolean;
  readonly tty?: boolean;
}

function blobDigest(t: OpenedTarget, raw: string): string {
  if (t.reference === undefined || !isDigest(t.reference)) {
    throw usageError(`"${raw}": a blob is named name@digest`);
  }
  return t.reference;
}

/** Resolves a blob's descriptor (its size) by HEAD / stat. */
async function describeBlob(
  t: OpenedTarget,
  digest: string,
  signal: AbortSignal,
): Promise<Descriptor> {
  const probe: Descriptor = { mediaType: 'application/octet-stream', digest, size: -1 };
  if (t.repository) {
    const res = await t.repository.registry.send(
      {
        method: 'HEAD',
        url: new URL(`/v2/${t.repository.name}/blobs/${digest}`, t.repository.registry.baseUrl),
        signal,
      },
      [`repository:${t.repository.name}:pull`],
    );
    await res.response.body?.cancel().catch(() => undefined);
    if (res.response.status === 404)
      throw new WharfError('NOT_FOUND', `${t.name}@${digest}: blob not found`);
    const len = Number(res.response.headers.get('content-length'));
    if (!res.response.ok || !Number.isSafeInteger(len)) {
      throw new WharfError('REGISTRY_ERROR', `HEAD ${t.name}@${digest}: ${res.response.status}`);
    }
    return { ...probe, size: len };
  }
  const store = t.writable as
    { blobs?: () => Promise<Array<{ digest: string; size: number }>> } | undefined;
  const found = (await store?.blobs?.())?.find((b) => b.digest === digest);
  if (!found) throw new WharfError('NOT_FOUND', `${t.name}@${digest}: blob not found`);
  return { ...probe, size: found.size };
}

/** `wharf blob fetch|push|delete` (oras blob). */
export function registerBlob(program: Command, context: () => CommandContext): void {
  const blob = program
    .command('blob')
    .description('Blob operations')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf blob push localhost:5000/hello hi.txt\n  wharf blob fetch -o - localhost:5000/hello@sha256:…',
    );

  const fetch = blob
    .command('fetch')
    .alias('get')
    .description('Fetch a blob')
    .argument('<target>', 'name@digest')
    .option('-o, --output <file>', 'write the blob to a file (- for stdout)')
    .option('--descriptor', 'print the descriptor of the blob')
    .option('--pretty', 'indent JSON output');
  remoteCommand(fetch, { ociLayout: true })
    .addHelpText(
      'after',
      '\nExamples:\n  wharf blob fetch -o out.bin localhost:5000/hello@sha256:…\n  wharf blob fetch --descriptor localhost:5000/hello@sha256:…',
    )
    .action(async (target: string, opts: BlobOptions) => {
      const ctx = context();
      if (opts.output === undefined && !opts.descriptor) {
        throw usageError('either --output or --descriptor must be provided');
      }
      const t = await openTarget(ctx, target, remoteFlags(opts));
      try {
        const signal = ctx.deps.signal;
        const desc = await describeBlob(t, blobDigest(t, target), signal);
        if (opts.output === '-') {
          // Raw bytes, streamed; the store verifies size and digest at the end (exit 1 if wrong).
          for await (const chunk of await t.store.fetch(desc, { signal })) {
            await writeStdoutBytes(ctx, chunk);
          }
        } else if (opts.output !== undefined) {
          // Streamed and verified by the store; written to a temp file and renamed when complete.
          const path = resolve(ctx.deps.cwd, opts.output);
          const tmp = `${path}.wharf-${randomBytes(6).toString('hex')}.tmp`;
          try {
            await pipeline(
              Readable.from(await t.store.fetch(desc, { signal })),
              createWriteStream(tmp),
              { signal },
            );
            await rename(tmp, path);
          } finally {
            await rm(tmp, { force: true });
          }
        }
        if (opts.descriptor) say(ctx, jsonText(plainDescriptor(desc), opts.pretty === true));
      } finally {
        await t.close();
      }
    });

  const push = blob
    .command('push')
    .description('Push a blob from a file or stdin')
    .argument('<target>', 'name[@digest]')
    .argument('<file>', 'file, or - for stdin (needs --size and the digest)')
    .option('--size <n>', 'size of the blob read from stdin')
    .option('--media-type <type>', 'media type shown in the descriptor', 'application/octet-stream')
    .option('--descriptor', 'print the descriptor of the blob')
    .option('--pretty', 'indent JSON output');
  remoteCommand(push, { ociLayout: true })
    .addHelpText(
      'after',
      '\nExamples:\n  wharf blob push localhost:5000/hello hi.txt\n  cat hi.txt | wharf blob push --size 6 localhost:5000/hello@sha256:… -',
    )
    .action(async (target: string, file: string, opts: BlobOptions) => {
      const ctx = context();
      const t = await openTarget(ctx, target, remoteFlags(opts), { create: true });
      try {
        const mediaType = opts.mediaType ?? 'application/octet-stream';
        let desc: Descriptor;
        let open: () => AsyncIterable<Uint8Array>;
        if (file === '-') {
          if (opts.size === undefined || t.reference === undefined) {
            throw usageError('pushing from stdin needs --size and name@digest');
          }
          const bytes = await readStdinBytes(ctx);
          desc = { mediaType, digest: t.reference, size: Number(opts.size) };
          open = async function* () {
            await Promise.resolve();
            yield bytes;
          };
        } else {
          const full = resolve(ctx.deps.cwd, file);
          const size = (await stat(full)).size;
          const hashOf = async (): Promise<string> => {
            const chunks: Buffer[] = [];
            for await (const c of createReadStream(full)) chunks.push(c as Buffer);
            return digestBytes(Buffer.concat(chunks));
          };
          desc = { mediaType, digest: t.reference ?? (await hashOf()), size };
          open = () => createReadStream(full);
        }
        const progress = progressFor(ctx, PUSH_VERBS, opts, opts.descriptor === true);
        try {
          await pushBlob(requireWritable(t), { descriptor: desc, open }, progress, ctx.deps.signal);
        } finally {
          progress.stop();
        }
        if (opts.descriptor) {
          say(ctx, jsonText(plainDescriptor(desc), opts.pretty === true));
          return;
        }
        say(ctx, `Pushed: ${t.kind === 'registry' ? '[registry]' : '[oci-layout]'} ${t.name}`);
        say(ctx, `Digest: ${desc.digest}`);
      } finally {
        await t.close();
      }
    });

  const del = blob
    .command('delete')
    .aliases(['rm', 'remove'])
    .description('Delete a blob')
    .argument('<target>', 'name@digest')
    .option('-f, --force', 'do not ask for confirmation')
    .option('--descriptor', 'print the descriptor of the deleted blob')
    .option('--pretty', 'indent JSON output');
  remoteCommand(del, { ociLayout: true })
    .addHelpText('after', '\nExamples:\n  wharf blob delete -f localhost:5000/hello@sha256:…')
    .action(async (target: string, opts: BlobOptions) => {
      const ctx = context();
      const t = await openTarget(ctx, target, remoteFlags(opts));
      try {
        const signal = ctx.deps.signal;
        const desc = await describeBlob(t, blobDigest(t, target), signal);
        if (
          !opts.force &&
          !(await confirm(ctx, `Are you sure you want to delete the blob "${desc.digest}"?`))
        ) {
          say(ctx, 'Operation cancelled.');
          return;
        }
        const store = requireWritable(t);
        if (!store.delete)
          throw new WharfError('UNSUPPORTED', `${target}: deletion is not supported`);
        await store.delete(desc, { signal });
        if (opts.descriptor) say(ctx, jsonText(plainDescriptor(desc), opts.pretty === true));
        else say(ctx, `Deleted ${t.display}`);
      } finally {
        await t.close();
      }
    });

  registerBlobSigning(blob, context);
}
