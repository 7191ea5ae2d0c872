import type { Command } from 'commander';
import { isDigest } from '@wharf/core/lite';
import type { CommandContext } from '../deps.js';
import { formatOption, remoteCommand, say, sayJson } from '../oras/command.js';
import { parseFormat, remoteFlags } from '../oras/options.js';
import { openRegistry, openTarget } from '../oras/target.js';

interface RepoOptions {
  readonly last?: string;
  readonly excludeDigestTags?: boolean;
  readonly format?: string;
}

/** `wharf repo ls|tags` (oras repo). */
export function registerRepo(program: Command, context: () => CommandContext): void {
  const repo = program
    .command('repo')
    .description('Repository operations')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf repo ls localhost:5000\n  wharf repo tags localhost:5000/hello',
    );

  const ls = repo
    .command('ls')
    .alias('list')
    .description('List the repositories of a registry (/v2/_catalog)')
    .argument('<registry>', 'host[:port][/namespace]')
    .option('--last <name>', 'start after this repository');
  remoteCommand(ls);
  formatOption(ls, 'text or json')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf repo ls localhost:5000\n  wharf repo ls localhost:5000/team --format json',
    )
    .action(async (target: string, opts: RepoOptions) => {
      const ctx = context();
      const format = parseFormat(opts.format, ['text', 'json'], 'text');
      const slash = target.indexOf('/');
      const host = slash === -1 ? target : target.slice(0, slash);
      const namespace = slash === -1 ? '' : target.slice(slash + 1).replace(/\/+$/, '');
      const registry = await openRegistry(ctx, host, remoteFlags(opts));
      try {
        const all = await registry.catalog({
          signal: ctx.deps.signal,
          ...(opts.last !== undefined ? { last: opts.last } : {}),
        });
        const repos =
          namespace === ''
            ? all
            : all
                .filter((r) => r.startsWith(`${namespace}/`))
                .map((r) => r.slice(namespace.length + 1));
        if (format === 'json') sayJson(ctx, { registry: host, repositories: repos });
        else for (const r of repos) say(ctx, r);
      } finally {
        await registry.close();
      }
    });

  const tags = repo
    .command('tags')
    .alias('show-tags')
    .description('List the tags of a repository')
    .argument(
      '<repository>',
      'name[:tag|@digest] (with a tag or digest: the tags of that manifest)',
    )
    .option('--last <tag>', 'start after this tag')
    .option('--exclude-digest-tags', 'hide sha256-… referrers tags');
  remoteCommand(tags, { ociLayout: true });
  formatOption(tags, 'text or json')
    .addHelpText(
      'after',
      '\nExamples:\n  wharf repo tags localhost:5000/hello\n  wharf repo tags --exclude-digest-tags --format json localhost:5000/hello',
    )
    .action(async (target: string, opts: RepoOptions) => {
      const ctx = context();
      const format = parseFormat(opts.format, ['text', 'json'], 'text');
      const t = await openTarget(ctx, target, remoteFlags(opts));
      try {
        const signal = ctx.deps.signal;
        let list = t.repository
          ? await t.repository.tags({
              signal,
              ...(opts.last !== undefined ? { last: opts.last } : {}),
            })
          : (await t.store.tags({ signal })).filter(
              (x) => opts.last === undefined || x > opts.last,
            );
        if (opts.excludeDigestTags) list = list.filter((x) => !/^sha(256|512)-[0-9a-f]+$/.test(x));
        if (t.reference !== undefined) {
          const wanted = await t.store.resolve(t.reference, { signal });
          const matching: string[] = [];
          for (const tag of list) {
            if (isDigest(tag)) continue;
            const d = await t.store.resolve(tag, { signal });
            if (d.digest === wanted.digest) matching.push(tag);
          }
          list = matching;
        }
        if (format === 'json') sayJson(ctx, { tags: list });
        else for (const tag of list) say(ctx, tag);
      } finally {
        await t.close();
      }
    });
}
