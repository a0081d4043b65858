import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout this test runs in. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end without blocking the event loop; never throws on a non-zero exit. */
export function runCommand(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The environment without the variables a surrounding `npm test` or a developer's shell set for Slipway or npm. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('SLIPWAY_') || key.startsWith('npm_') || key === 'NODE_OPTIONS' || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * Copies the checkout's files (tracked and untracked, as git lists them, without ignored ones
 * such as dist/ and node_modules/) into `stage`, with node_modules linked, so `npm pack` there
 * builds from a clean tree and never rewrites the dist/ or dist-web/ other tests use.
 */
export async function stageCheckout(stage: string): Promise<number> {
  const listed = await runCommand('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT });
  if (listed.code !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  const files = [...new Set(listed.stdout.split('\0').filter(Boolean))];
  let copied = 0;
  for (const file of files) {
    const from = join(ROOT, file);
    if (!existsSync(from) || !statSync(from).isFile()) continue; // deleted but not yet committed
    mkdirSync(dirname(join(stage, file)), { recursive: true });
    copyFileSync(from, join(stage, file));
    copied += 1;
  }
  symlinkSync(join(ROOT, 'node_modules'), join(stage, 'node_modules'), 'dir');
  return copied;
}

export interface PackResult {
  tarball: string;
  size: number;
  unpackedSize: number;
  files: string[];
}

/** `npm pack` (which runs the prepack build) in `dir`; the tarball is written to `destination`. */
export async function npmPack(dir: string, destination: string): Promise<PackResult> {
  const packed = await runCommand('npm', ['pack', '--json', '--pack-destination', destination], { cwd: dir, env: cleanEnv() });
  if (packed.code !== 0) throw new Error(`npm pack failed (${packed.code}):\n${packed.stdout}\n${packed.stderr}`);
  // Lifecycle scripts (the prepack build) may print before the JSON report: it is the last array.
  const start = packed.stdout.lastIndexOf('\n[');
  const report = JSON.parse(start === -1 ? packed.stdout : packed.stdout.slice(start)) as {
    filename: string;
    size: number;
    unpackedSize: number;
    files: { path: string }[];
  }[];
  const entry = report[0]!;
  return { tarball: join(destination, entry.filename), size: entry.size, unpackedSize: entry.unpackedSize, files: entry.files.map((f) => f.path) };
}

/** The bare module names (`pkg` or `@scope/pkg`) a compiled ES module imports. */
export function importedPackages(source: string): string[] {
  const specifiers = [...source.matchAll(/(?:^|[\s;}])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s*['"]([^'"]+)['"]/gm)].map(
    (m) => (m[1] ?? m[2] ?? m[3])!,
  );
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('node:'))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
}
