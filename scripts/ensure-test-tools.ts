import { spawnSync } from 'node:child_process';
import { userInfo } from 'node:os';

/**
 * `npm test`'s pre-test step (the `pretest` script): the programs the tests drive that npm
 * cannot install — Debian's `chromium` (dashboard tests, through playwright-core) and
 * `redis-server` (BullMQ in the benchmark smoke test). When one is missing it installs it
 * with apt if it may (root, or sudo without a password); otherwise it fails and prints the
 * exact command to run. So `npm ci && npm test` is the whole set-up (.ci/run relies on it).
 */

/** A program the tests run, and the Debian package that ships it. */
export interface TestTool {
  command: string;
  /** Alternative names the same program goes by. */
  aliases: string[];
  aptPackage: string;
  neededBy: string;
}

export const TEST_TOOLS: readonly TestTool[] = [
  { command: 'chromium', aliases: ['chromium-browser'], aptPackage: 'chromium', neededBy: 'the dashboard browser tests' },
  { command: 'redis-server', aliases: [], aptPackage: 'redis-server', neededBy: 'BullMQ in the benchmark smoke step' },
];

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v '${command}'`], { stdio: 'ignore' }).status === 0;
}

export function missingTools(tools: readonly TestTool[] = TEST_TOOLS): TestTool[] {
  return tools.filter((tool) => ![tool.command, ...tool.aliases].some(onPath));
}

/** How this process may run apt-get: directly (root), through passwordless sudo, or not at all. */
export type AptAccess = { kind: 'root' } | { kind: 'sudo' } | { kind: 'none'; reason: string };

export function aptAccess(): AptAccess {
  if (!onPath('apt-get')) return { kind: 'none', reason: 'apt-get is not available (not a Debian-based system)' };
  if (userInfo().uid === 0) return { kind: 'root' };
  if (onPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) return { kind: 'sudo' };
  return { kind: 'none', reason: 'not root, and sudo needs a password (or is not installed)' };
}

export function installCommand(tools: readonly TestTool[]): string {
  return `sudo apt-get update && sudo apt-get install -y ${tools.map((t) => t.aptPackage).join(' ')}`;
}

function run(argv: string[]): boolean {
  const [command, ...args] = argv;
  process.stderr.write(`pretest: ${argv.join(' ')}\n`);
  return spawnSync(command!, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
}

/** Installs what is missing when it may; returns the exit code for `npm test`. */
export function ensureTestTools(): number {
  const missing = missingTools();
  if (missing.length === 0) return 0;
  const names = missing.map((t) => `${t.command} (${t.neededBy})`).join(', ');
  const access = aptAccess();
  if (access.kind === 'none') {
    const them = missing.length > 1 ? 'them' : 'it';
    process.stderr.write(`npm test needs ${names}, and cannot install ${them}: ${access.reason}.\nInstall ${them} once with:\n\n  ${installCommand(missing)}\n\n`);
    return 1;
  }
  const prefix = access.kind === 'sudo' ? ['sudo', '-n'] : [];
  const packages = missing.map((t) => t.aptPackage);
  process.stderr.write(`pretest: installing ${names} with apt\n`);
  if (!run([...prefix, 'apt-get', 'update']) || !run([...prefix, 'apt-get', 'install', '-y', ...packages])) {
    process.stderr.write(`pretest: apt-get failed; install them yourself with:\n\n  ${installCommand(missing)}\n\n`);
    return 1;
  }
  const still = missingTools();
  if (still.length > 0) {
    process.stderr.write(`pretest: after apt-get, still missing: ${still.map((t) => t.command).join(', ')}\n`);
    return 1;
  }
  return 0;
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) process.exitCode = ensureTestTools();
