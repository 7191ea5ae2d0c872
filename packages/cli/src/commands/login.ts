import type { Command } from 'commander';
import { CredentialStore, Registry } from '@wharf/registry-client';
import type { CommandContext } from '../deps.js';
import { remoteCommand, say } from '../oras/command.js';
import { remoteFlags } from '../oras/options.js';
import { stdinIsTty, TtyPrompt } from '../oras/prompt.js';
import { configPath, flagCredential, registryOptions } from '../oras/target.js';
import { usageError } from '../usage.js';

/** `wharf login` / `wharf logout`: the docker config.json that docker, oras and notation share. */
export function registerLogin(program: Command, context: () => CommandContext): void {
  const login = program
    .command('login')
    .description('Log in to a registry (credentials go to the docker config.json)')
    .argument('<registry>', 'host[:port]');
  remoteCommand(login)
    .addHelpText(
      'after',
      `
Examples:
  # Log in with a password from stdin
  echo "$PASSWORD" | wharf login -u alice --password-stdin localhost:5000

  # On a terminal, be asked for the username and the password (not echoed)
  wharf login localhost:5000

  # Log in with an identity (refresh) token
  wharf login --identity-token "$TOKEN" registry.example

  # Keep the credentials in another file
  wharf login -u alice --password-stdin --registry-config ./auth.json localhost:5000`,
    )
    .action(async (host: string, opts: Record<string, unknown>) => {
      const ctx = context();
      const flags = remoteFlags(opts);
      if (flags.password !== undefined) {
        ctx.deps.stderr.write(
          'WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n',
        );
      }
      let cred = await flagCredential(ctx, flags);
      const noPassword =
        cred?.username !== undefined && flags.password === undefined && !flags.passwordStdin;
      if ((!cred || noPassword) && stdinIsTty(ctx)) {
        // As oras: prompt on a terminal; an empty username asks for an identity token.
        const prompt = new TtyPrompt(ctx);
        const username = cred?.username ?? (await prompt.ask('Username: '));
        cred =
          username === ''
            ? { refreshToken: await prompt.ask('Token: ', true) }
            : { username, password: await prompt.ask('Password: ', true) };
      } else if (!cred || noPassword) {
        throw usageError(
          'credentials are required: use -u and -p, --password-stdin or --identity-token (or run on a terminal to be asked)',
        );
      }
      const registry = new Registry(host, {
        ...(await registryOptions(ctx, flags, cred)),
        retry: { maxRetries: 0 },
      });
      try {
        await registry.ping({ signal: ctx.deps.signal });
      } finally {
        await registry.close();
      }
      await new CredentialStore({
        configPath: configPath(ctx, flags),
        env: ctx.deps.env,
        logger: ctx.logger,
      }).store(host, cred);
      say(ctx, 'Login Succeeded');
    });

  const logout = program
    .command('logout')
    .description('Log out from a registry (removes its credentials)')
    .argument('<registry>', 'host[:port]')
    .option(
      '--registry-config <path>',
      'path of the authentication file',
      (v: string, p: string[] | undefined) => [...(p ?? []), v],
    );
  logout
    .addHelpText('after', '\nExamples:\n  wharf logout localhost:5000')
    .action(async (host: string, opts: Record<string, unknown>) => {
      const ctx = context();
      const flags = remoteFlags(opts);
      await new CredentialStore({
        configPath: configPath(ctx, flags),
        env: ctx.deps.env,
        logger: ctx.logger,
      }).erase(host);
    });
}
