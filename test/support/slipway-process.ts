import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The real `slipway` binary; in a checkout it runs the sources through tsx. */
export const SLIPWAY_BIN = fileURLToPath(new URL('../../bin/slipway.js', import.meta.url));

export interface SlipwayProcessOptions {
  /** Added to `baseEnv` (SLIPWAY_LOG_LEVEL is `warn` unless set here). */
  env?: Record<string, string>;
  /** The environment to start from: this process's unless told (e.g. a cleaned one for an installed package). */
  baseEnv?: NodeJS.ProcessEnv;
  /** The script to run instead of bin/slipway.js, e.g. the benchmark's compiled CLI. */
  entry?: string;
  /** Flags for node itself, before the script (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  cwd?: string;
  /** How long `startSlipwayProcess` waits for the ready line. */
  readyTimeoutMs?: number;
}

export interface SlipwayProcess {
  child: ChildProcess;
  /** Where `serve` listens, from its "serving on" line; '' for `worker`, or before it is ready. */
  url: string;
  /** stdout and stderr as printed, interleaved. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** Sends `signal` (SIGTERM by default), SIGKILL after `graceMs`, and resolves with the exit code. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

/** What `serve` and `worker` print once they are ready. */
const READY = /slipway serving on (http:\/\/\S+)|slipway worker \S+ running/;

/**
 * The one way tests (and the benchmark) run Slipway as an OS process: `slipway <args>`,
 * e.g. `spawnSlipwayProcess(['serve', '--port', '0'], { env: { SLIPWAY_DATABASE_URL: url } })`.
 * It does not wait; see `startSlipwayProcess`.
 */
export function spawnSlipwayProcess(args: string[], options: SlipwayProcessOptions = {}): SlipwayProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.entry ?? SLIPWAY_BIN, ...args], {
    cwd: options.cwd,
    env: { ...(options.baseEnv ?? process.env), SLIPWAY_LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let all = '';
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    all += chunk.toString();
    notify();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    all += chunk.toString();
    notify();
  });
  let gone = false;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  void exited.then(() => {
    gone = true;
    notify();
  });

  const handle: SlipwayProcess = {
    child,
    url: '',
    output: () => all,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const finish = (error: Error | null, match?: RegExpMatchArray) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve(match!);
        };
        const check = () => {
          const match = all.match(pattern);
          if (match) finish(null, match);
          else if (gone) finish(new Error(`slipway ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}; output:\n${all.slice(-4000)}`));
        };
        const timer = setTimeout(() => finish(new Error(`slipway ${args.join(' ')} did not print ${pattern} within ${timeoutMs} ms; output:\n${all.slice(-4000)}`)), timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 30_000) {
      if (!gone) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  return handle;
}

/**
 * Starts `slipway serve` or `slipway worker` and resolves once it says it is ready (its
 * URL is then in `url`); rejects with its output if it exits before.
 */
export async function startSlipwayProcess(args: string[], options: SlipwayProcessOptions = {}): Promise<SlipwayProcess> {
  const started = spawnSlipwayProcess(args, options);
  try {
    const ready = await started.waitFor(READY, options.readyTimeoutMs ?? 60_000);
    started.url = ready[1] ?? '';
    return started;
  } catch (error) {
    await started.stop('SIGKILL');
    throw error;
  }
}
