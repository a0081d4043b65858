import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The repository root: every child process runs from here. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Everything the child printed so far (stdout and stderr), for error messages. */
  output(): string;
  /** Resolves with the first match of `pattern` in the child's output. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves when the child exits, with its exit code. */
  exited: Promise<number | null>;
  /** Peak resident memory so far in KiB (VmHWM), or null once the child is gone. */
  peakRssKb(): number | null;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns `node [--import tsx] <script> ...args` in its own process, from the repository root. */
export function spawnNode(script: string, args: string[], options: { env?: Record<string, string>; tsx?: boolean; nodeArgs?: string[] } = {}): Child {
  // TypeScript runs through tsx; the compiled copies (see build.ts) run on plain node.
  const tsx = options.tsx ?? !script.endsWith('.js');
  const nodeArgs = [...(options.nodeArgs ?? []), ...(tsx ? ['--import', 'tsx'] : [])];
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters: Array<() => void> = [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    if (text.length > 200_000) text = text.slice(-100_000);
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => {
    gone = true;
    for (const w of [...waiters]) w();
  });

  return {
    process: child,
    pid: child.pid!,
    output: () => text,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} from ${script}; output:\n${text.slice(-2000)}`)), timeoutMs);
        const check = () => {
          const match = text.match(pattern);
          if (match) return finish(null, match);
          if (gone) finish(new Error(`${script} exited before printing ${pattern}; output:\n${text.slice(-2000)}`));
        };
        function finish(error: Error | null, match?: RegExpMatchArray) {
          clearTimeout(timer);
          const at = waiters.indexOf(check);
          if (at >= 0) waiters.splice(at, 1);
          if (error) reject(error);
          else resolve(match!);
        }
        waiters.push(check);
        check();
      });
    },
    peakRssKb: () => peakRssKb(child.pid!),
    async stop(graceMs = 10_000) {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Peak resident memory of a process in KiB (VmHWM from /proc), or null once it is gone. */
export function peakRssKb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = status.match(/VmHWM:\s+(\d+) kB/);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Runs a child to completion and parses the JSON object it prints on its last stdout line. */
export async function runJsonChild<T>(script: string, args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<T> {
  const child = spawnNode(script, args, { env: options.env });
  const timer = setTimeout(() => child.process.kill('SIGKILL'), options.timeoutMs ?? 300_000);
  const code = await child.exited;
  clearTimeout(timer);
  const lines = child.output().trim().split('\n');
  const last = [...lines].reverse().find((line) => line.startsWith('{"result"'));
  if (code !== 0 || !last) throw new Error(`${script} ${args.join(' ')} failed (exit ${code}):\n${child.output().slice(-3000)}`);
  return (JSON.parse(last) as { result: T }).result;
}

/** Prints a child's result as the one line `runJsonChild` reads. */
export function printResult(result: unknown) {
  process.stdout.write(`${JSON.stringify({ result })}\n`);
}

/** A free TCP port on loopback (bound and released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
