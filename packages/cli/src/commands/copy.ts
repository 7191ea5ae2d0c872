import type { Command } from 'commander';
import type { CommandContext } from '../deps.js';
import { collect, progressFor, say } from '../oras/command.js';
import { copyArtifact } from '../oras/copy.js';
import {
  addRemoteOptions,
  addTtyOption,
  parseConcurrency,
  remoteFlags,
  type RemoteFlags,
} from '../oras/options.js';
import { addPlatformOption, parsePlatform } from '../oras/platform.js';
import { COPY_VERBS } from '../oras/progress.js';
import { openTarget, requireWritable } from '../oras/target.js';

interface CopyOptions {
  readonly recursive?: boolean;
  readonly concurrency?: string;
  readonly tty?: boolean;
  readonly platform?: string;
  readonly resolve?: string[];
}

/** oras cp: `--resolve` rules apply to both sides; a side's own rule for the same host wins. */
function withBaseResolve(flags: RemoteFlags, base: readonly string[] | undefined): RemoteFlags {
  if (!base?.length) return flags;
  return { ...flags, resolve: [...(flags.resolve ?? []), ...base] };
}

/** `wharf copy` (alias `cp`): oras cp, with `-r` for referrers. */
export function registerCopy(program: Command, context: () => CommandContext): void {
  const cmd = program
    .command('copy')
    .alias('cp')
    .description('Copy an artifact between registries and OCI image layouts')
    .argument('<from>', 'source name{:tag|@digest}')
    .argument('<to>', 'destination name[:tag[,tag]...]')
    .option('-r, --recursive', 'also copy the referrers (signatures, SBOMs, …), recursively')
    .option('--concurrency <n>', 'concurrent blob copies', '3')
    .option(
      '--resolve <host:port:address[:address_port]>',
      'base --resolve rules for both --from-resolve and --to-resolve (repeatable)',
      collect,
    );
  addRemoteOptions(cmd, 'from', { ociLayout: true, distributionSpec: true });
  addRemoteOptions(cmd, 'to', { ociLayout: true, distributionSpec: true });
  addPlatformOption(cmd);
  addTtyOption(cmd)
    .addHelpText(
      'after',
      `
Examples:
  # Copy an artifact between registries
  wharf copy localhost:5000/hello:v1 registry.example/hello:v1

  # Copy an image with its signatures and SBOMs (and their signatures)
  wharf copy -r localhost:5000/hello:v1 localhost:6000/hello:v1

  # Copy from a registry into an OCI image layout, and back with another tag
  wharf cp -r --to-oci-layout localhost:5000/hello:v1 ./layout:v1
  wharf cp -r --from-oci-layout ./layout:v1 localhost:5000/hello:v2,latest`,
    )
    .action(async (from: string, to: string, opts: CopyOptions) => {
      const ctx = context();
      const concurrency = parseConcurrency(opts.concurrency, 3);
      const src = await openTarget(
        ctx,
        from,
        withBaseResolve(remoteFlags(opts, 'from'), opts.resolve),
      );
      try {
        const dst = await openTarget(
          ctx,
          to,
          withBaseResolve(remoteFlags(opts, 'to'), opts.resolve),
          {
            create: true,
            multipleTags: true,
            // copy -r pushes referrers level by level; their tag-index checks overlap and are
            // awaited at the end of copyArtifact.
            deferReferrersVerification: true,
          },
        );
        try {
          const progress = progressFor(ctx, COPY_VERBS, opts, false);
          let root;
          try {
            root = await copyArtifact(
              src,
              dst,
              {
                recursive: opts.recursive === true,
                concurrency,
                signal: ctx.deps.signal,
                platform: parsePlatform(opts.platform),
              },
              progress,
            );
          } catch (err) {
            // Let the background tag-index checks finish before the connections close.
            await dst.repository?.settleReferrers().catch(() => undefined);
            throw err;
          } finally {
            progress.stop();
          }
          // Every referrer's tag-index update is checked before success is reported.
          await dst.repository?.settleReferrers();
          const store = requireWritable(dst);
          for (const tag of dst.tags.slice(1)) {
            await store.tag(root, tag, { signal: ctx.deps.signal });
          }
          say(ctx, `Copied ${src.display} => ${dst.display}`);
          for (const tag of dst.tags.slice(1)) say(ctx, `Tagged ${tag}`);
          say(ctx, `Digest: ${root.digest}`);
        } finally {
          await dst.close();
        }
      } finally {
        await src.close();
      }
    });
}
