import type { CliIO } from '../../bin/cli/io';

/** A CLI's standard streams captured in memory, for tests that run `main` directly. */
export interface CapturedIO {
  readonly io: CliIO;
  stdout(): string;
  stderr(): string;
}

/** IO for `main(argv, io)` whose output the test reads back. */
export function captureIO(cwd: string, env: NodeJS.ProcessEnv = {}): CapturedIO {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text) }, env, cwd },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}
