import type { Command } from 'commander';
import type { CommandContext } from '../deps.js';
import {
  addPackOptions,
  progressFor,
  remoteCommand,
  say,
  sayJson,
  type PackFlags,
} from '../oras/command.js';
import { parseConcurrency, parseFormat, remoteFlags } from '../oras/options.js';
import { PUSH_VERBS } from '../oras/progress.js';
import { loadAnnotations, packAndPush } from '../oras/push.js';
import { openTarget, requireWritable } from '../oras/target.js';
import { usageError } from '../usage.js';

interface PushOptions extends PackFlags {
  readonly imageSpec?: string;
}

/** `wharf push`: oras push. */
export function registerPush(program: Command, context: () => CommandContext): void {
  const cmd = program
    .command('push')
    .description('Push files to a registry or an OCI image layout')
    .argument('<target>', 'name[:tag[,tag]...]')
    .argument('[files...]', 'file[:mediaType] or directory')
    .option('--image-spec <v>', 'manifest flavour: v1.1 (default) or v1.0');
  addPackOptions(cmd, 'artifact type of the manifest');
  remoteCommand(cmd, { ociLayout: true });
  cmd
    .addHelpText(
      'after',
      `
Examples:
  # Push a file with the default media type
  wharf push localhost:5000/hello:v1 hi.txt

  # Push files with media types and two tags, as an artifact of a given type
  wharf push --artifact-type application/vnd.example localhost:5000/hello:v1,latest a.txt:text/plain dir/

  # Push to an OCI image layout and print the result as JSON
  wharf push --oci-layout ./layout:v1 hi.txt --format json`,
    )
    .action(async (target: string, files: string[], opts: PushOptions) => {
      const ctx = context();
      const format = parseFormat(opts.format, ['text', 'json'], 'text');
      const concurrency = parseConcurrency(opts.concurrency, 5);
      if (opts.imageSpec === 'v1.0' && opts.artifactType !== undefined && opts.config) {
        throw usageError('--artifact-type and --config cannot both be used with --image-spec v1.0');
      }
      const annotations = await loadAnnotations(ctx.deps.cwd, opts.annotationFile, opts.annotation);
      const t = await openTarget(ctx, target, remoteFlags(opts), {
        create: true,
        multipleTags: true,
      });
      try {
        if (t.reference !== undefined && t.reference.includes(':') && t.tags.length === 0) {
          throw usageError('push takes tags, not a digest');
        }
        const progress = progressFor(ctx, PUSH_VERBS, opts, format === 'json');
        if (files.length === 0 && format === 'text') progress.print('Uploading empty artifact');
        let pushed;
        try {
          pushed = await packAndPush(
            requireWritable(t),
            {
              cwd: ctx.deps.cwd,
              files,
              artifactType: opts.artifactType,
              config: opts.config,
              imageSpec: opts.imageSpec,
              annotations,
              concurrency,
              disablePathValidation: opts.disablePathValidation === true,
              exportManifest: opts.exportManifest,
              signal: ctx.deps.signal,
            },
            t.tags,
            progress,
          );
        } finally {
          progress.stop();
        }
        const store = requireWritable(t);
        const desc = pushed.descriptor;
        for (const tag of t.tags.slice(1)) await store.tag(desc, tag, { signal: ctx.deps.signal });
        if (format === 'json') {
          sayJson(ctx, {
            reference: `${t.name}@${desc.digest}`,
            mediaType: desc.mediaType,
            digest: desc.digest,
            size: desc.size,
            annotations: pushed.annotations,
            artifactType: pushed.artifactType,
            referenceAsTags: t.tags.map((tag) => `${t.name}:${tag}`),
          });
          return;
        }
        const first = t.tags[0];
        const kind = t.kind === 'registry' ? '[registry]' : '[oci-layout]';
        say(ctx, `Pushed ${kind} ${t.name}${first !== undefined ? `:${first}` : ''}`);
        for (const tag of t.tags.slice(1)) say(ctx, `Tagged ${tag}`);
        say(ctx, `ArtifactType: ${pushed.artifactType}`);
        say(ctx, `Digest: ${desc.digest}`);
      } finally {
        await t.close();
      }
    });
}
