import { describeError, ExitCode, RehearsalError, UsageError } from '../../shared/errors';
import { COMMANDS } from './commands';
import type { CliIO } from './io';

/** Text of `rehearsal --help`. */
export function helpText(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return [
    'rehearsal: a dress rehearsal of your bot\'s staging environment after every production release.',
    '',
    'Usage: rehearsal <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `rehearsal <command> --help` for a command\'s options.',
    'Exit codes: 0 passed; 1 a check failed; 2 bad usage or config; 3 environment error.',
    '',
  ].join('\n');
}

/** Runs `rehearsal <argv>` and returns the exit code. Errors are printed here, once, without stacks. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(helpText());
    return name === undefined ? ExitCode.BadInput : ExitCode.Passed;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr.write(`rehearsal: unknown command "${name}"; expected one of ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return ExitCode.BadInput;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage}\n`);
    return ExitCode.Passed;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof RehearsalError) {
      io.stderr.write(`rehearsal ${name}: ${error.name}: ${error.message}\n`);
      if (error instanceof UsageError) io.stderr.write(`\n${command.usage}\n`);
      return error.exitCode;
    }
    io.stderr.write(`rehearsal ${name}: unexpected error: ${describeError(error)}\n`);
    return ExitCode.Environment;
  }
}
