import type { Command } from 'commander';
import type { CommandContext } from '../deps.js';
import { remoteCommand, sayJson } from '../oras/command.js';
import { discoverJson, discoverReferrers, discoverTable, discoverTree } from '../oras/discover.js';
import { parseFormat, remoteFlags } from '../oras/options.js';
import { addPlatformOption, parsePlatform, selectPlatform } from '../oras/platform.js';
import { openTarget, requireReference } from '../oras/target.js';
import { usageError } from '../usage.js';

interface DiscoverOptions {
  readonly artifactType?: string;
  readonly depth?: string;
  readonly format?: string;
  readonly output?: string;
  readonly platform?: string;
}

/** `wharf discover`: oras discover (tree, json, table). */
export function registerDiscover(program: Command, context: () => CommandContext): void {
  const cmd = program
    .command('discover')
    .description('Show the referrers of an artifact (signatures, SBOMs, …), recursively')
    .argument('<target>', 'name{:tag|@digest}')
    .option('--artifact-type <type>', 'only referrers of this artifact type')
    .option('--depth <n>', 'levels of referrers to show (default: all)')
    .option('--format <format>', 'output format: tree (default), json or table (deprecated)')
    .option('-o, --output <format>', 'deprecated synonym of --format');
  remoteCommand(cmd, { ociLayout: true, distributionSpec: true });
  addPlatformOption(cmd);
  cmd
    .addHelpText(
      'after',
      `
Examples:
  # Show every referrer of an image as a tree
  wharf discover localhost:5000/hello:v1

  # Only signatures, as JSON
  wharf discover --artifact-type application/vnd.cncf.notary.signature --format json localhost:5000/hello:v1

  # Referrers in an OCI image layout, one level deep
  wharf discover --oci-layout --depth 1 ./layout:v1`,
    )
    .action(async (target: string, opts: DiscoverOptions) => {
      const ctx = context();
      if (opts.output !== undefined && opts.format !== undefined) {
        throw usageError('--output and --format cannot both be used');
      }
      const format = parseFormat(opts.format ?? opts.output, ['tree', 'json', 'table'], 'tree');
      let depth: number | undefined;
      if (opts.depth !== undefined) {
        depth = Number(opts.depth);
        if (!Number.isInteger(depth) || depth < 1) {
          throw usageError(`--depth must be a positive integer, got "${opts.depth}"`);
        }
      }
      const t = await openTarget(ctx, target, remoteFlags(opts));
      try {
        const signal = ctx.deps.signal;
        const subject = await selectPlatform(
          t.store,
          await t.store.resolve(requireReference(t), { signal }),
          parsePlatform(opts.platform),
          signal,
        );
        const referrers = await discoverReferrers(t.store, subject, {
          artifactType: opts.artifactType,
          depth: format === 'table' ? 1 : depth,
          signal,
        });
        if (format === 'json') sayJson(ctx, discoverJson(t.name, subject, referrers));
        else if (format === 'table') {
          ctx.deps.stdout.write(discoverTable(t.raw, subject, referrers));
          ctx.deps.stderr.write(
            'Format "table" is deprecated and will be removed in a future release.\n',
          );
        } else ctx.deps.stdout.write(discoverTree(t.name, subject, referrers));
      } finally {
        await t.close();
      }
    });
}
