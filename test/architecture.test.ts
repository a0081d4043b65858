import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The direction of imports between layers (docs/ARCHITECTURE.md), checked on every
 * test run rather than remembered: a layer may import only the layers listed for it.
 */
const SRC = fileURLToPath(new URL('../src/', import.meta.url));

const ALLOWED: Record<string, string[]> = {
  core: [],
  api: ['core'],
  config: ['core'],
  auth: ['core'],
  store: ['core'],
  workflow: ['core'],
  steps: ['core', 'workflow'],
  engine: ['core', 'store', 'steps', 'workflow'],
  service: ['core', 'store', 'auth', 'workflow', 'steps', 'api'],
  http: ['core', 'api', 'service', 'store', 'auth', 'workflow'],
  client: ['api'],
  cli: ['*'],
  web: ['api', 'client'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => (m[1] ?? m[2])!);
}

describe('architecture: the direction of imports', () => {
  it('every layer imports only the layers it may', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const rel = relative(SRC, file);
      const layer = rel.includes('/') ? rel.split('/')[0]! : null;
      if (!layer) continue; // composition root (server.ts)
      const allowed = ALLOWED[layer];
      assert.ok(allowed, `layer ${layer} (${rel}) is listed in ALLOWED`);
      for (const spec of importsOf(file).filter((s) => s.startsWith('.'))) {
        const target = relative(SRC, join(file, '..', spec));
        if (target.startsWith('..')) {
          violations.push(`${rel} imports ${spec}, outside src/`);
          continue;
        }
        const targetLayer = target.includes('/') ? target.split('/')[0]! : target.replace(/\.js$/, '');
        if (targetLayer === layer || allowed.includes('*')) continue;
        if (!allowed.includes(targetLayer)) violations.push(`${rel} (${layer}) imports ${spec} (${targetLayer})`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it('the client SDK and the wire contract import no node: modules (browsers use them)', () => {
    for (const file of [...sourceFiles(join(SRC, 'client')), ...sourceFiles(join(SRC, 'api'))]) {
      const nodeImports = importsOf(file).filter((s) => s.startsWith('node:') || ['fs', 'path', 'crypto', 'http'].includes(s));
      assert.deepEqual(nodeImports, [], relative(SRC, file));
    }
  });
});
