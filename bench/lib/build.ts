import { cpSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './processes.js';

/** Where the benchmark's compiled copy of Slipway goes (under the gitignored bench/results/). */
export const BUILD_DIR = join(ROOT, 'bench', 'results', 'build');
/** The compiled CLI, as `npm run build` would give it (the same code, transpiled once). */
export const SLIPWAY_CLI = join(BUILD_DIR, 'src', 'cli', 'main.js');
/** The compiled CLI of the `--before` checkout. */
export const BEFORE_DIR = join(ROOT, 'bench', 'results', 'build-before');
export const BEFORE_CLI = join(BEFORE_DIR, 'src', 'cli', 'main.js');

/** The compiled form of a child script of bench/children/ (load generators, baselines). */
export function childScript(name: string): string {
  return join(BUILD_DIR, 'bench', 'children', `${name}.js`);
}

/**
 * Transpiles src/ and the bench's children file by file (no bundling) to plain ESM JavaScript
 * with esbuild, and copies the SQL migrations beside them. Processes under test then start in
 * about a second instead of compiling TypeScript through tsx at every start; what they run
 * is the same code.
 */
export async function buildSlipway(): Promise<void> {
  await buildCheckout(ROOT, BUILD_DIR, true);
}

/** Builds the `--before` checkout's src/ (its own dependencies: it runs from its node_modules via a link). */
export async function buildBefore(checkout: string): Promise<void> {
  await buildCheckout(checkout, BEFORE_DIR, false);
  // Imports of npm packages resolve from the build's folder upwards: give it the checkout's.
  symlinkSync(join(checkout, 'node_modules'), join(BEFORE_DIR, 'node_modules'));
}

async function buildCheckout(root: string, outdir: string, withBench: boolean): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  const files = [...walk(join(root, 'src')), ...(withBench ? [...walk(join(root, 'bench', 'children')), ...walk(join(root, 'bench', 'lib'))] : [])];
  await build({
    entryPoints: files.filter((f) => f.endsWith('.ts')),
    outdir,
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    bundle: false,
    sourcemap: 'inline',
    logLevel: 'error',
  });
  for (const file of files.filter((f) => !f.endsWith('.ts'))) cpSync(file, join(outdir, relative(root, file)));
  // The CLI reads its version from the package.json one level above src/, as in dist/.
  cpSync(join(root, 'package.json'), join(outdir, 'package.json'));
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
