/**
 * Exit codes of every `wharf` command. Stable: scripts depend on them (docs/cli.md).
 */
export const ExitCode = {
  /** Success. */
  Ok: 0,
  /** Error: network, registry, I/O, bad input. */
  Error: 1,
  /** Usage error: unknown command or flag, missing argument. */
  Usage: 2,
  /** Verification failed: a signature, a policy, or a scan threshold. */
  VerificationFailed: 3,
  /** Interrupted (SIGINT). */
  Interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
