#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so a fresh clone needs only `npm ci`.
// exitCode, not exit(): a piped stdout must drain before the process ends.
require('tsx/cjs');
const { main } = require('../cli/main.ts');
main(process.argv).then((code) => { process.exitCode = code; });
