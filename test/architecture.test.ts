import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The rules of docs/ARCHITECTURE.md ("Folders and the imports they may make"), checked on
 * every test run rather than remembered. The allowed imports are read from the table in
 * that file, so the document and this test cannot drift apart.
 */
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = join(ROOT, 'src');
const WEB_SRC = join(ROOT, 'web', 'src');
const ARCHITECTURE = join(ROOT, 'docs', 'ARCHITECTURE.md');

/** What one folder (or file) of the table may import. */
export interface ImportRule {
  /** `*`: everything. */
  mayImport: string[];
  /** Folders it may import types from, and nothing else. */
  typesOnly: string[];
}

/** Reads the table between the `allowed-imports` markers: `` | `folder/` | what it holds | `a`, `b` (types only) | ``. */
export function parseImportRules(markdown: string): Map<string, ImportRule> {
  const block = /<!-- allowed-imports:start -->([\s\S]*?)<!-- allowed-imports:end -->/.exec(markdown);
  assert.ok(block, 'docs/ARCHITECTURE.md has the allowed-imports table between its markers');
  const rules = new Map<string, ImportRule>();
  for (const line of block[1]!.split('\n')) {
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
    const name = /^`([\w.-]+)\/?`$/.exec(cells[0] ?? '')?.[1];
    if (!name || cells.length < 3) continue; // header, separator
    const last = cells[cells.length - 1]!;
    const rule: ImportRule = { mayImport: [], typesOnly: [] };
    if (last === 'everything') rule.mayImport.push('*');
    else if (last !== 'nothing') {
      for (const match of last.matchAll(/`(\w+)`( \(types only\))?/g)) (match[2] ? rule.typesOnly : rule.mayImport).push(match[1]!);
      assert.ok(rule.mayImport.length + rule.typesOnly.length > 0, `the row of ${name} says what it may import: ${last}`);
    }
    rules.set(name, rule);
  }
  return rules;
}

const RULES = parseImportRules(readFileSync(ARCHITECTURE, 'utf8'));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

interface ImportStatement {
  specifier: string;
  /** `import type …` / `export type …`: erased when compiled. */
  typeOnly: boolean;
}

function importsOf(file: string): ImportStatement[] {
  const text = readFileSync(file, 'utf8');
  const pattern = /(import|export)(\s+type)?\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;
  return [...text.matchAll(pattern)].map((m) => ({ specifier: (m[3] ?? m[4] ?? m[5])!, typeOnly: Boolean(m[2]) }));
}

const NODE_BUILTINS = new Set(builtinModules);
const isNodeModule = (specifier: string) => specifier.startsWith('node:') || NODE_BUILTINS.has(specifier.split('/')[0]!);

/** The first path segment under src/ (a folder, or a file such as `server.ts`). */
function layerOf(pathUnderSrc: string): string {
  const first = pathUnderSrc.split(sep)[0]!;
  return pathUnderSrc.includes(sep) ? first : first.replace(/\.js$/, '.ts');
}

describe('architecture: the rules of docs/ARCHITECTURE.md', () => {
  it('the table names every folder of src/, and only those (plus web/)', () => {
    const present = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory() || /\.tsx?$/.test(name));
    assert.deepEqual([...RULES.keys()].filter((name) => name !== 'web').sort(), present.sort());
    assert.ok(RULES.has('web'));
  });

  it('every folder of src/ imports only the folders its row allows', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const rel = relative(SRC, file);
      const layer = layerOf(rel);
      const rule = RULES.get(layer)!;
      for (const { specifier, typeOnly } of importsOf(file).filter((i) => i.specifier.startsWith('.'))) {
        const target = relative(SRC, join(file, '..', specifier));
        if (target.startsWith('..')) {
          violations.push(`${rel} imports ${specifier}, outside src/`);
          continue;
        }
        const targetLayer = layerOf(target);
        if (targetLayer === layer || rule.mayImport.includes('*') || rule.mayImport.includes(targetLayer)) continue;
        if (typeOnly && rule.typesOnly.includes(targetLayer)) continue;
        violations.push(`${rel} (${layer}) imports ${specifier} (${targetLayer})`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it('the client SDK and the wire contract import no node: modules (browsers use them)', () => {
    for (const file of [...sourceFiles(join(SRC, 'client')), ...sourceFiles(join(SRC, 'api'))]) {
      assert.deepEqual(importsOf(file).map((i) => i.specifier).filter(isNodeModule), [], relative(SRC, file));
    }
  });

  it('web/src imports its own files, npm packages, types of src/api and src/client; no node: modules', () => {
    const rule = RULES.get('web')!;
    const violations: string[] = [];
    for (const file of sourceFiles(WEB_SRC)) {
      const rel = relative(ROOT, file);
      for (const { specifier, typeOnly } of importsOf(file)) {
        if (isNodeModule(specifier)) {
          violations.push(`${rel} imports ${specifier}, a node module`);
          continue;
        }
        if (!specifier.startsWith('.')) continue; // an npm package, bundled by Vite
        const target = join(file, '..', specifier);
        if (!relative(WEB_SRC, target).startsWith('..')) continue;
        const underSrc = relative(SRC, target);
        const layer = underSrc.startsWith('..') ? null : layerOf(underSrc);
        if (layer && (rule.mayImport.includes(layer) || (typeOnly && rule.typesOnly.includes(layer)))) continue;
        violations.push(`${rel} imports ${specifier}${layer && rule.typesOnly.includes(layer) ? ' (only `import type` from there)' : ''}`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it('only server.ts and cli/ import a concrete store (store/sqlite/, store/postgres/)', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const rel = relative(SRC, file);
      if (rel === 'server.ts' || rel.startsWith(`cli${sep}`) || rel.startsWith(`store${sep}`)) continue;
      for (const { specifier } of importsOf(file).filter((i) => i.specifier.startsWith('.'))) {
        const target = relative(SRC, join(file, '..', specifier));
        if (target.startsWith(join('store', 'sqlite')) || target.startsWith(join('store', 'postgres'))) violations.push(`${rel} imports ${specifier}`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it('the dialect folders store/sqlite/ and store/postgres/ import neither each other', () => {
    const violations: string[] = [];
    for (const [dialect, other] of [['sqlite', 'postgres'], ['postgres', 'sqlite']] as const) {
      for (const file of sourceFiles(join(SRC, 'store', dialect))) {
        for (const { specifier } of importsOf(file).filter((i) => i.specifier.startsWith('.'))) {
          if (relative(SRC, join(file, '..', specifier)).startsWith(join('store', other))) violations.push(`${relative(SRC, file)} imports ${specifier}`);
        }
      }
    }
    assert.deepEqual(violations, []);
  });

  it('reads the rules from the table as written (a row it misreads would check nothing)', () => {
    const rules = parseImportRules(
      ['<!-- allowed-imports:start -->', '| Folder | Holds | May import |', '| --- | --- | --- |',
        '| `core/` | x | nothing |', '| `web/` | y | `api` (types only), `client` |', '| `server.ts` | z | everything |',
        '<!-- allowed-imports:end -->'].join('\n'),
    );
    assert.deepEqual(Object.fromEntries(rules), {
      core: { mayImport: [], typesOnly: [] },
      web: { mayImport: ['client'], typesOnly: ['api'] },
      'server.ts': { mayImport: ['*'], typesOnly: [] },
    });
  });
});
