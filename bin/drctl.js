#!/usr/bin/env node
// Runs the TypeScript CLI straight from the checkout (no build step): `npx drctl …`.
require('tsx/cjs');
void require('../cli/main.ts').run(process.argv);
