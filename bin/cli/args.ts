import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../../shared/errors';

/**
 * Parses a command's arguments with node's parseArgs; any unknown option, missing value or stray
 * positional argument becomes a {@link UsageError} that names it.
 */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: readonly string[],
  options: T,
  { positionals = false }: { positionals?: boolean } = {},
) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: positionals, strict: true });
  } catch (cause) {
    throw new UsageError(`rehearsal ${command}: ${(cause as Error).message}`, { cause });
  }
}

/** Returns a required option's value or throws a UsageError naming it. */
export function required<T>(command: string, name: string, value: T | undefined): T {
  if (value === undefined || value === '') throw new UsageError(`rehearsal ${command}: --${name} is required`);
  return value;
}
