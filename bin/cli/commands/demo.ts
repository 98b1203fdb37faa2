import type { Command } from '../io';

/** PLACEHOLDER: the lead is writing the demo command. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run the whole pipeline on this machine against an embedded PostgreSQL and an example bot',
  usage: 'Usage: rehearsal demo [--scale N] [--out DIR]',
  async run() {
    return 3;
  },
};
