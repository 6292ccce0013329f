#!/usr/bin/env node
// Runs the TypeScript CLI straight from the checkout (no build step): `npx drctl …`.
// The AWS SDK warns on Node 20 that releases after January 2027 need Node 22; the lockfile pins a
// release that supports 20, so the notice is noise for operators.
const emit = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (type === 'NodeVersionSupportWarning' || String(warning?.name ?? '') === 'NodeVersionSupportWarning') return;
  return emit.call(process, warning, ...rest);
};
require('tsx/cjs');
void require('../cli/main.ts').run(process.argv);
