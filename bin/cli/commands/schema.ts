import { configJsonSchema } from '../../../shared/config/schema';
import type { Command } from '../io';

/** `rehearsal schema`: prints the config file's JSON Schema (for editors), generated from the zod schema. */
export const schemaCommand: Command = {
  name: 'schema',
  summary: "Print the JSON Schema of rehearsal.config.yaml, for editors",
  usage: 'Usage: rehearsal schema > rehearsal.config.schema.json\nExit codes: 0 printed.',
  async run(_argv, io) {
    io.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    return 0;
  },
};
