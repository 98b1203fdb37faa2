/** Where a command reads and writes: the real process, or buffers in tests. */
export interface CliIO {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** One `rehearsal <name>` command. `run` returns the exit code (see ExitCode); it throws only RehearsalErrors. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Usage lines shown by `rehearsal <name> --help` and after a usage error. */
  readonly usage: string;
  run(argv: readonly string[], io: CliIO): Promise<number>;
}
