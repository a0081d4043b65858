// `npm run build` step: tsc emits only the compiled TypeScript, so every other file under src/
// (the numbered .sql migrations of each store, and any data file a module reads beside itself)
// is copied to the same place under dist/, where the compiled code looks for it.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';

const SOURCE = 'src';
const TARGET = 'dist';

let copied = 0;
for (const entry of readdirSync(SOURCE, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || /\.[cm]?tsx?$/.test(entry.name)) continue;
  const from = join(entry.parentPath ?? entry.path, entry.name);
  const to = join(TARGET, relative(SOURCE, from));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  copied += 1;
}
process.stdout.write(`copied ${copied} non-TypeScript files from ${SOURCE}/ to ${TARGET}/\n`);
