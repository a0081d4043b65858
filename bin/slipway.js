#!/usr/bin/env node
// In a checkout, runs the TypeScript sources through tsx, so the CLI is never a stale build.
// A package shipped without src/ runs the compiled CLI from `npm run build` (dist/).
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/cli/main.js', import.meta.url).href);
}
