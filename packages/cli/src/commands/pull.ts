import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../deps.js';
import { formatOption, progressFor, remoteCommand, say, sayJson } from '../oras/command.js';
import { parseConcurrency, parseFormat, remoteFlags } from '../oras/options.js';
import { addPlatformOption, parsePlatform, selectPlatform } from '../oras/platform.js';
import { PULL_VERBS } from '../oras/progress.js';
import { pullFiles, titledNodes } from '../oras/pull.js';
import { openTarget, requireReference } from '../oras/target.js';

interface PullOptions {
  readonly output: string;
  readonly keepOldFiles?: boolean;
  readonly allowPathTraversal?: boolean;
  readonly concurrency?: string;
  readonly format?: string;
  readonly tty?: boolean;
  readonly platform?: string;
  readonly includeSubject?: boolean;
}

/** `wharf pull`: oras pull. Never writes outside the output directory unless `-T`. */
export function registerPull(program: Command, context: () => CommandContext): void {
  const cmd = program
    .command('pull')
    .description('Pull files from a registry or an OCI image layout')
    .argument('<target>', 'name{:tag|@digest}')
    .option('-o, --output <dir>', 'output directory', '.')
    .option('-k, --keep-old-files', 'do not replace existing files; treat them as errors')
    .option('-T, --allow-path-traversal', 'allow file paths outside the output directory')
    .option('--concurrency <n>', 'concurrent downloads', '3')
    .option('--include-subject', 'also pull the subject of the artifact, recursively');
  remoteCommand(cmd, { ociLayout: true });
  addPlatformOption(cmd);
  formatOption(cmd, 'text or json');
  cmd
    .addHelpText(
      'after',
      `
Examples:
  # Pull the files of an artifact into the current directory
  wharf pull localhost:5000/hello:v1

  # Pull into ./out and list the files as JSON
  wharf pull -o out --format json localhost:5000/hello:v1

  # Pull from an OCI image layout
  wharf pull --oci-layout ./layout:v1

  # Pull a signature and the image it signs
  wharf pull --include-subject localhost:5000/hello@sha256:…

Layers without an org.opencontainers.image.title annotation are skipped; use
'wharf copy <ref> --to-oci-layout <dir>' to get every layer.`,
    )
    .action(async (target: string, opts: PullOptions) => {
      const ctx = context();
      const format = parseFormat(opts.format, ['text', 'json'], 'text');
      const concurrency = parseConcurrency(opts.concurrency, 3);
      const t = await openTarget(ctx, target, remoteFlags(opts));
      try {
        const ref = requireReference(t);
        const signal = ctx.deps.signal;
        const root = await selectPlatform(
          t.store,
          await t.store.resolve(ref, { signal }),
          parsePlatform(opts.platform),
          signal,
        );
        const progress = progressFor(ctx, PULL_VERBS, opts, format === 'json');
        let files;
        let skipped;
        try {
          const found = await titledNodes(
            t.store,
            root,
            progress,
            signal,
            opts.includeSubject === true,
          );
          skipped = found.skipped;
          files = await pullFiles(t.store, found.titled, progress, {
            outDir: resolve(ctx.deps.cwd, opts.output),
            keepOld: opts.keepOldFiles === true,
            allowTraversal: opts.allowPathTraversal === true,
            concurrency,
            signal,
          });
          for (const m of found.manifests.reverse()) progress.done(m);
        } finally {
          progress.stop();
        }
        if (format === 'json') {
          sayJson(ctx, {
            reference: `${t.name}@${root.digest}`,
            files: files.map((f) => ({
              path: f.path,
              reference: `${t.name}@${f.descriptor.digest}`,
              mediaType: f.descriptor.mediaType,
              digest: f.descriptor.digest,
              size: f.descriptor.size,
              annotations: f.descriptor.annotations ?? {},
            })),
          });
          return;
        }
        if (files.length === 0 && skipped.length > 0) {
          say(ctx, 'Skipped pulling layers without file name in "org.opencontainers.image.title"');
          say(ctx, `Use 'wharf copy ${t.raw} --to-oci-layout <layout-dir>' to pull all layers.`);
        }
        say(ctx, `Pulled ${t.display}`);
        say(ctx, `Digest: ${root.digest}`);
      } finally {
        await t.close();
      }
    });
}
