#!/usr/bin/env node
// The installed command. The TypeScript sources are compiled to dist/ by `npm ci` / `npm install` (the prepare script).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/scenarios/cli/process-main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('ipn-gauntlet is not built: run `npm install` (or `npm run build`) in its folder first.\n');
  process.exit(2);
}
const { start } = await import(entry.href);
await start();
