import type { Command } from '../io';
import { anonymizeCommand } from './anonymize';
import { converseCommand } from './converse';
import { demoCommand } from './demo';
import { loadCommand } from './load';
import { parityCommand } from './parity';
import { rulesCommand } from './rules';
import { runCommand } from './run';
import { schemaCommand } from './schema';
import { verifyCommand } from './verify';

/** Every `rehearsal` command, in the order `--help` lists them. Add a command here and in its own file. */
export const COMMANDS: readonly Command[] = [
  demoCommand, runCommand, rulesCommand, anonymizeCommand, verifyCommand, parityCommand, converseCommand, loadCommand, schemaCommand,
];
