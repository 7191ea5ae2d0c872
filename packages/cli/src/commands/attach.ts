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
import { addPlatformOption, parsePlatform, selectPlatform } from '../oras/platform.js';
import { PUSH_VERBS } from '../oras/progress.js';
import { loadAnnotations, packAndPush } from '../oras/push.js';
import { openTarget, requireReference, requireWritable } from '../oras/target.js';
import { usageError } from '../usage.js';

interface AttachOptions extends PackFlags {
  readonly platform?: string;
}

/** `wharf attach`: oras attach (a referrer with `subject`; tag-schema fallback when needed). */
export function registerAttach(program: Command, context: () => CommandContext): void {
  const cmd = program
    .command('attach')
    .description('Attach files to an existing artifact as a referrer')
    .argument('<subject>', 'name{:tag|@digest}')
    .argument('[files...]', 'file[:mediaType] or directory');
  addPackOptions(cmd, 'artifact type of the referrer (required)');
  remoteCommand(cmd, { ociLayout: true, distributionSpec: true });
  addPlatformOption(cmd);
  cmd
    .addHelpText(
      'after',
      `
Examples:
  # Attach a signature file to an image
  wharf attach --artifact-type application/vnd.cncf.notary.signature localhost:5000/hello:v1 sig.jws

  # Attach with annotations only, forcing the referrers tag schema
  wharf attach --artifact-type doc/example -a purpose=demo --distribution-spec v1.1-referrers-tag localhost:5000/hello:v1

  # Attach in an OCI image layout
  wharf attach --oci-layout --artifact-type sbom/example ./layout:v1 sbom.json`,
    )
    .action(async (subject: string, files: string[], opts: AttachOptions) => {
      const ctx = context();
      const format = parseFormat(opts.format, ['text', 'json'], 'text');
      const concurrency = parseConcurrency(opts.concurrency, 5);
      if (!opts.artifactType) throw usageError('--artifact-type is required');
      const annotations = await loadAnnotations(ctx.deps.cwd, opts.annotationFile, opts.annotation);
      if (files.length === 0 && Object.keys(annotations.manifest).length === 0) {
        throw usageError('neither file nor annotation provided in the command');
      }
      const t = await openTarget(ctx, subject, remoteFlags(opts));
      try {
        const signal = ctx.deps.signal;
        const subjectDesc = await selectPlatform(
          t.store,
          await t.store.resolve(requireReference(t), { signal }),
          parsePlatform(opts.platform),
          signal,
        );
        const progress = progressFor(ctx, PUSH_VERBS, opts, format === 'json');
        let pushed;
        try {
          pushed = await packAndPush(
            requireWritable(t),
            {
              cwd: ctx.deps.cwd,
              files,
              artifactType: opts.artifactType,
              config: opts.config,
              imageSpec: 'v1.1',
              annotations,
              subject: {
                mediaType: subjectDesc.mediaType,
                digest: subjectDesc.digest,
                size: subjectDesc.size,
              },
              concurrency,
              disablePathValidation: opts.disablePathValidation === true,
              exportManifest: opts.exportManifest,
              signal,
            },
            [],
            progress,
          );
        } finally {
          progress.stop();
        }
        const desc = pushed.descriptor;
        if (format === 'json') {
          sayJson(ctx, {
            reference: `${t.name}@${desc.digest}`,
            mediaType: desc.mediaType,
            digest: desc.digest,
            size: desc.size,
            annotations: pushed.annotations,
            artifactType: pushed.artifactType,
          });
          return;
        }
        const kind = t.kind === 'registry' ? '[registry]' : '[oci-layout]';
        say(ctx, `Attached to ${kind} ${t.name}@${subjectDesc.digest}`);
        say(ctx, `Digest: ${desc.digest}`);
      } finally {
        await t.close();
      }
    });
}
