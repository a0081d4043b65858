import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, importedPackages, npmPack, ROOT, runCommand, stageCheckout, type PackResult } from './support/package-install.js';
import { startSlipwayProcess, type SlipwayProcess } from './support/slipway-process.js';
import { tempDir } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

/**
 * Issue 20: the package a user installs. Packs a clean copy of the checkout (the prepack build
 * runs once), installs the tarball into an empty folder the way a user would, and runs the
 * installed `slipway` with plain Node.js: no tsx, no Vite, no sources.
 */
const API = '/workflow-service/api/public/v1';
const INSTALL_TIMEOUT = 20 * 60_000;

describe('the npm package installs and runs from its tarball', () => {
  const work = tempDir('slipway-package-');
  const stage = join(work.path, 'checkout');
  const app = join(work.path, 'app');
  const bin = join(app, 'node_modules', '.bin', 'slipway');
  const installed = join(app, 'node_modules', 'slipway');
  const env = cleanEnv();
  let pack: PackResult;
  let serve: SlipwayProcess | undefined;
  let url = '';
  let token = '';

  before(
    async () => {
      mkdirSync(stage);
      mkdirSync(app);
      await stageCheckout(stage);
      const started = Date.now();
      pack = await npmPack(stage, work.path);
      const packed = Date.now();
      const install = await runCommand('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', pack.tarball], { cwd: app, env });
      assert.equal(install.code, 0, `npm install of the tarball failed:\n${install.stdout}\n${install.stderr}`);
      process.stdout.write(
        `# package ${pack.tarball.split('/').pop()}: ${pack.files.length} files, ${pack.size} bytes packed, ${pack.unpackedSize} unpacked; ` +
          `pack ${Math.round((packed - started) / 1000)} s, install ${Math.round((Date.now() - packed) / 1000)} s\n`,
      );

      // The installed bin, run by plain node from the app folder, in the cleaned environment.
      serve = await startSlipwayProcess(['serve', '--port', '0', '--concurrency', '2'], { entry: bin, cwd: app, baseEnv: env, readyTimeoutMs: 120_000 });
      url = serve.url;
      token = /SLIPWAY_TOKEN=(slat_\w+)/.exec(serve.output())?.[1] ?? '';
    },
    { timeout: INSTALL_TIMEOUT },
  );
  after(async () => {
    await serve?.stop();
    work.remove();
  });

  it('holds the build, the dashboard, the migrations, examples and docs, and no tests, benchmarks or TypeScript', () => {
    const files = pack.files;
    for (const required of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'bin/slipway.js', 'dist/cli/main.js', 'dist/server.js', 'dist-web/index.html', 'docs/DEPLOYMENT.md', 'examples/hello.yaml', 'examples/systemd/slipway.service', 'schemas/workflow.schema.json']) {
      assert.ok(files.includes(required), `${required} is missing from the package`);
    }
    assert.ok(files.some((f) => /^dist-web\/assets\/.+\.js$/.test(f)), 'the dashboard bundle is missing');
    const offending = files.filter((f) => /^(src|test|bench|web|scripts)\//.test(f) || /\.(c|m)?tsx?$/.test(f) || /\.(test|spec)\.[cm]?[jt]sx?$/.test(f) || f.startsWith('node_modules/'));
    assert.deepEqual(offending, [], 'the package must not ship sources, tests or benchmarks');
    // Workflow test files (`slipway test`, examples/tests/*.test.yaml) are examples for users, not the project's tests.
    assert.ok(files.some((f) => /^examples\/tests\/.+\.test\.ya?ml$/.test(f)), 'the example workflow test files are missing');
    // Every migration of both stores (whoever added it) is in the package beside the compiled store.
    for (const dialect of ['sqlite', 'postgres']) {
      const migrations = readdirSync(join(ROOT, 'src', 'store', dialect, 'migrations')).filter((name) => name.endsWith('.sql'));
      assert.ok(migrations.length > 0);
      for (const name of migrations) assert.ok(files.includes(`dist/store/${dialect}/migrations/${name}`), `migration ${dialect}/${name} is missing`);
    }
  });

  it('depends at run time only on what the compiled service imports (no tsx, Vite or dashboard libraries)', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const dependencies = new Set(Object.keys(manifest.dependencies));
    for (const buildOnly of ['tsx', 'vite', 'typescript', 'preact', 'marked', 'dompurify', 'codemirror', '@dagrejs/dagre']) {
      assert.ok(!dependencies.has(buildOnly), `${buildOnly} is needed only to build, not at run time`);
    }
    assert.ok(!existsSync(join(app, 'node_modules', 'tsx')), 'tsx was installed with the package');
    assert.ok(!existsSync(join(app, 'node_modules', 'vite')), 'vite was installed with the package');
    const builtins = new Set(builtinModules);
    const missing = new Set<string>();
    // bin/slipway.js imports tsx only in a checkout (with src/); the install above has neither, and the CLI runs.
    for (const file of pack.files.filter((f) => /^dist\/.+\.js$/.test(f))) {
      for (const name of importedPackages(readFileSync(join(installed, file), 'utf8'))) {
        if (!builtins.has(name) && !dependencies.has(name)) missing.add(`${name} (${file})`);
      }
    }
    assert.deepEqual([...missing], [], 'the compiled service imports packages that are not runtime dependencies');
  });

  it('prints the package version, through the bin link and through npx', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const direct = await runCommand(bin, ['--version'], { cwd: app, env });
    assert.equal(direct.code, 0, direct.stderr);
    assert.equal(direct.stdout.trim(), version);
    const npx = await runCommand('npx', ['--no-install', 'slipway', '--version'], { cwd: app, env });
    assert.equal(npx.code, 0, npx.stderr);
    assert.equal(npx.stdout.trim(), version);
  });

  it('serve starts on the embedded default in the empty folder and prints the admin token', () => {
    assert.match(token, /^slat_/, serve!.output());
    assert.match(serve!.output(), /database sqlite:.*data\/slipway\.db/);
    assert.ok(existsSync(join(app, 'data', 'slipway.db')), 'the SQLite file is created in the working directory');
    assert.match(serve!.output(), /Example workflows: .*hello/);
  });

  it('serves /healthz, the dashboard with its assets, the OpenAPI document and the API reference', async () => {
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    const page = await fetch(`${url}/`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    const html = await page.text();
    const script = /<script[^>]+src="([^"]+\.js)"/.exec(html);
    assert.ok(script, `the dashboard page names no script:\n${html}`);
    const asset = await fetch(`${url}${script[1]}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    const deepLink = await fetch(`${url}/runs/run_123`, { headers: { accept: 'text/html' } });
    assert.equal(deepLink.status, 200, 'a client-side route answers the dashboard page');

    const openapi = await fetch(`${url}${API}/openapi.json`);
    assert.equal(openapi.status, 200);
    assert.equal(((await openapi.json()) as { openapi: string }).openapi.slice(0, 3), '3.1');
    const reference = await fetch(`${url}${API}/docs`);
    assert.equal(reference.status, 200);
    assert.match(await reference.text(), /swagger|redoc|<html/i);
  });

  it('runs a workflow end to end over the API', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${url}${API}/workflows/hello/runs`, { method: 'POST', headers, body: JSON.stringify({ inputs: { name: 'Ada' } }) });
    assert.equal(created.status, 202, await created.clone().text());
    const { run_id: runId } = (await created.json()) as { run_id: string };
    const run = await waitFor(async () => {
      const current = (await (await fetch(`${url}${API}/workflow-runs/${runId}`, { headers })).json()) as { status: string; output?: unknown };
      return ['COMPLETED', 'FAILED', 'CANCELED'].includes(current.status) && current;
    }, { timeoutMs: 60_000, intervalMs: 100, what: `run ${runId} finishes` });
    assert.equal(run.status, 'COMPLETED', JSON.stringify(run));
    assert.match(JSON.stringify(run.output), /Ada/);
  });

  it('every CLI command loads (its --help), and the admin commands and `run --wait` work', async () => {
    const cli = (args: string[], extra: Record<string, string> = {}) => runCommand(bin, args, { cwd: app, env: { ...env, ...extra } });
    const help = await cli(['--help']);
    assert.equal(help.code, 0, help.stderr);
    const commands = commandNames(help.stdout);
    for (const expected of ['serve', 'worker', 'migrate', 'import', 'workspace', 'token', 'workflow', 'run']) assert.ok(commands.includes(expected), `${expected} is not listed:\n${help.stdout}`);
    for (const command of commands) {
      const own = await cli([command, '--help']);
      assert.equal(own.code, 0, `slipway ${command} --help: ${own.stderr}`);
      for (const sub of commandNames(own.stdout)) {
        const subHelp = await cli([command, sub, '--help']);
        assert.equal(subHelp.code, 0, `slipway ${command} ${sub} --help: ${subHelp.stderr}`);
      }
    }

    const workspace = await cli(['workspace', 'create', 'packaged', '--json']);
    assert.equal(workspace.code, 0, workspace.stderr);
    const workspaceId = String((JSON.parse(workspace.stdout) as { id: number }).id);
    const apply = await cli(['workflow', 'apply', join(installed, 'examples', 'hello.yaml'), '--workspace', workspaceId, '--publish', '--json']);
    assert.equal(apply.code, 0, apply.stderr);
    const created = await cli(['token', 'create', '--workspace', workspaceId, '--name', 'packaged', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const { token: workspaceToken, id: tokenId } = JSON.parse(created.stdout) as { token: string; id: string };
    const listed = await cli(['token', 'list', '--workspace', workspaceId, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { name: string }[]).map((t) => t.name), ['packaged']);

    const run = await cli(['run', 'hello', '--input', 'name=Grace', '--wait'], { SLIPWAY_URL: url, SLIPWAY_TOKEN: workspaceToken });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /COMPLETED/);
    assert.match(run.stdout, /Grace/);

    const revoked = await cli(['token', 'revoke', tokenId, '--workspace', workspaceId, '--json']);
    assert.equal(revoked.code, 0, revoked.stderr);
    const printed = await cli(['migrate', '--print']);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /CREATE TABLE/i);
    const migrated = await cli(['migrate']);
    assert.equal(migrated.code, 0, migrated.stderr);
    // `import` needs a PostgreSQL target; without one it must refuse with its own message (the command and pg load).
    const refused = await cli(['import', '--from', 'sqlite:./data/slipway.db']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /PostgreSQL/);
  });

  it('worker starts and stops on SIGTERM', async () => {
    const worker = await startSlipwayProcess(['worker', '--concurrency', '1'], { entry: bin, cwd: app, baseEnv: env });
    assert.match(worker.output(), /worker \S+ running/);
    assert.equal(await worker.stop('SIGTERM'), 0, worker.output());
  });
});

/** The command names in a commander help text's "Commands:" section (without `help`). */
function commandNames(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!).filter((name) => name !== 'help');
}
