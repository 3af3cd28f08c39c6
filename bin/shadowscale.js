#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so a fresh clone needs only `npm install`.
// exitCode, not exit(): a piped stdout must drain before the process ends.
require('tsx/cjs');
// `shadowscale replay ... | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const { main } = require('../cli/main.ts');
main(process.argv).then((code) => { process.exitCode = code; });
