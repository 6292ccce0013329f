#!/usr/bin/env node
// Runs the TypeScript CLI straight from the checkout (no build step): `npx drctl …`.
// The AWS SDK warns on Node 20 that releases after January 2027 need Node 22; the lockfile pins a
// release that supports 20, so the notice is noise for operators (set the variable to "false" to see it).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
void require('../cli/main.ts').run(process.argv);
