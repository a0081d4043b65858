import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds the dashboard (web/ → dist-web/) when it is missing or older than its sources,
 * so `npm start` and the browser tests always serve the current code. A fresh clone
 * builds once (a few seconds); later starts skip it.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'dist-web', 'index.html');
/** What the bundle is made from: the app, and the wire types and client it imports. */
const SOURCES = ['web', 'src/api', 'src/client', 'package-lock.json'].map((p) => join(ROOT, p));

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

export function webBuildIsCurrent(): boolean {
  return existsSync(OUT) && statSync(OUT).mtimeMs >= Math.max(...SOURCES.map(newestMtime));
}

/** Runs `vite build` when needed; throws with vite's output when the build fails. */
export function ensureWebBuild(): { built: boolean } {
  if (webBuildIsCurrent()) return { built: false };
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--config', join(ROOT, 'web', 'vite.config.ts')], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`dashboard build failed:\n${result.stdout}\n${result.stderr}`);
  return { built: true };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { built } = ensureWebBuild();
  process.stdout.write(built ? 'dashboard built into dist-web/\n' : 'dashboard is up to date (dist-web/)\n');
}
