#!/usr/bin/env node
// Installed from the package (no src/), runs the compiled CLI in dist/ with plain Node.
// In a checkout (src/ and the development dependencies present), runs the TypeScript sources
// through tsx, so the CLI there is never a stale build.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const compiled = new URL('../dist/cli/main.js', import.meta.url);

async function loadTsx() {
  try {
    return await import('tsx/esm/api');
  } catch {
    return null;
  }
}

const tsx = existsSync(source) ? await loadTsx() : null;
if (tsx) {
  tsx.register();
  await import(source.href);
} else if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  process.stderr.write('slipway: no compiled CLI in dist/ (run `npm run build`) and no TypeScript sources with tsx to run instead\n');
  process.exitCode = 1;
}
