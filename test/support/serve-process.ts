import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface SlipwayProcess {
  child: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** Waits until the output matches `pattern` (or the process exits, or the deadline passes). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts the real `slipway` binary (through tsx) as a child process, e.g.
 * `startSlipwayProcess(['serve', '--port', '0'], databaseUrl)`.
 */
export function startSlipwayProcess(args: string[], databaseUrl: string, env: Record<string, string> = {}): SlipwayProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--database-url', databaseUrl, ...args], {
    env: { ...process.env, SLIPWAY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters = new Set<() => void>();
  const append = (chunk: Buffer) => {
    text += chunk.toString();
    for (const waiter of waiters) waiter();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = once(child, 'exit');

  return {
    child,
    output: () => text,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = text.match(pattern);
          if (found) {
            done();
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`slipway ${args[0]} did not print ${pattern} within ${timeoutMs} ms; output:\n${text}`));
        }, timeoutMs);
        const onExit = () => {
          done();
          reject(new Error(`slipway ${args[0]} exited before printing ${pattern}; output:\n${text}`));
        };
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off('exit', onExit);
        };
        waiters.add(check);
        child.once('exit', onExit);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
