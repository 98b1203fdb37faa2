#!/usr/bin/env node
// The `rehearsal` command. Runs the TypeScript sources directly (through tsx), so a checkout works
// right after `npm ci` with no build step.
'use strict';
require('tsx/cjs');
const { main } = require('./cli/main.ts');

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`rehearsal: unexpected failure: ${error && error.message ? error.message : String(error)}\n`);
    process.exitCode = 3;
  },
);
