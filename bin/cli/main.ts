import { describeError, ExitCode, RehearsalError, UsageError } from '../../shared/errors';
import { closestName } from '../../shared/util/closest-name';
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
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(helpText());
    return ExitCode.Passed;
  }
  // No command is bad usage: the help goes where errors go, so a script's stdout stays empty.
  if (name === undefined) {
    io.stderr.write(helpText());
    return ExitCode.BadInput;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    const meant = closestName(name, COMMANDS.map((c) => c.name));
    io.stderr.write(`rehearsal: unknown command "${name}"${meant === undefined ? '' : ` (did you mean ${meant}?)`}; expected one of ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return ExitCode.BadInput;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage}\n`);
    return ExitCode.Passed;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    const known = error instanceof RehearsalError;
    const message = known ? error.message : `unexpected error: ${describeError(error)}`;
    const exitCode = known ? error.exitCode : ExitCode.Environment;
    io.stderr.write(known ? `rehearsal ${name}: ${error.name}: ${message}\n` : `rehearsal ${name}: ${message}\n`);
    if (error instanceof UsageError) io.stderr.write(`\n${command.usage}\n`);
    // With --json, stdout holds JSON whatever happens: a script piping it to jq reads why it failed.
    if (rest.includes('--json')) io.stdout.write(`${JSON.stringify({ error: { name: known ? error.name : 'Error', message, exitCode } })}\n`);
    return exitCode;
  }
}
