import type { Command } from '../io';
import { demoCommand } from './demo';
import { runCommand } from './run';
import { schemaCommand } from './schema';

/** Every `rehearsal` command, in the order `--help` lists them. Add a command here and in its own file. */
export const COMMANDS: readonly Command[] = [demoCommand, runCommand, schemaCommand];
