import { parseArgs } from 'node:util';

export const SCENARIOS = ['create', 'e2e', 'pickup', 'steps', 'growth', 'limits', 'batch', 'observability', 'flow'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export type Backend = 'sqlite' | 'postgres';

/** Everything a benchmark run is parameterized by; printed with the results. */
export interface BenchOptions {
  backends: Backend[];
  scenarios: Scenario[];
  /** Rounds per figure; each figure is the median over rounds. */
  rounds: number;
  /** Length of one timed HTTP load (scenario 1 and 5). */
  seconds: number;
  /** HTTP connections of the load generator. */
  connections: number;
  /** Runs / jobs per end-to-end measurement (scenario 2 and 5). */
  runs: number;
  /** Worker slots for every system in scenario 2. */
  concurrency: number;
  /** Samples per round for the pickup latency. */
  latencySamples: number;
  /** Runs per round and workflow for the step overhead. */
  stepRuns: number;
  /** Finished runs seeded before the growth measurements. */
  growthRuns: number;
  /** Queued runs seeded for the memory measurement. */
  memoryRuns: number;
  /** Runs of today seeded into the limited workspace before the limits' "flat" figure. */
  limitRuns: number;
  /** Pass --cpu-prof to the Slipway processes (profiles under bench/results/profiles). */
  cpuProf: boolean;
  /** Where the JSON goes; default bench/results/<timestamp>.json. */
  out: string | null;
  /**
   * Another checkout of Slipway (e.g. a worktree of main) to measure beside this one in the
   * same rounds (scenarios e2e and steps): before/after figures of one run.
   */
  before: string | null;
  smoke: boolean;
}

const USAGE = `npm run bench -- [options]
  --backend sqlite|postgres|all   default all
  --scenario LIST                 comma list of ${SCENARIOS.join(', ')} (default all)
  --rounds N                      default 3
  --seconds N                     length of one timed HTTP load, default 4
  --connections N                 default 10
  --runs N                        runs per end-to-end measurement, default 1000
  --concurrency N                 worker slots of every system, default 10
  --growth-runs N                 finished runs seeded for scenario 5, default 1000000
  --memory-runs N                 queued runs seeded for the memory figure, default 100000
  --limit-runs N                  runs of today seeded into the limited workspace (scenario limits), default 100000
  --full                          same as the defaults (kept for scripts that ask for them)
  --smoke                         a few seconds, tiny settings: checks the harness, not the numbers
  --cpu-prof                      profile the Slipway processes (node --cpu-prof)
  --out FILE                      JSON output, default bench/results/<time>.json
  --before DIR                    also measure the Slipway checkout in DIR (e.g. a worktree of main) in the
                                  same rounds of e2e and steps: before/after of one run`;

export function parseBenchOptions(argv: string[]): BenchOptions | { help: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      backend: { type: 'string', default: 'all' },
      scenario: { type: 'string' },
      rounds: { type: 'string' },
      seconds: { type: 'string' },
      connections: { type: 'string' },
      runs: { type: 'string' },
      concurrency: { type: 'string' },
      'growth-runs': { type: 'string' },
      'memory-runs': { type: 'string' },
      'limit-runs': { type: 'string' },
      full: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      out: { type: 'string' },
      before: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return { help: USAGE };
  const smoke = values.smoke;
  const number = (name: string, value: string | undefined, fallback: number, min = 1) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}, not "${value}"\n${USAGE}`);
    return n;
  };
  const backends: Backend[] = values.backend === 'all' ? ['sqlite', 'postgres'] : [values.backend as Backend];
  if (!backends.every((b) => b === 'sqlite' || b === 'postgres')) throw new Error(`--backend must be sqlite, postgres or all\n${USAGE}`);
  const scenarios = values.scenario ? (values.scenario.split(',') as Scenario[]) : [...SCENARIOS];
  const unknown = scenarios.filter((s) => !SCENARIOS.includes(s));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}\n${USAGE}`);
  return {
    backends,
    scenarios,
    rounds: number('rounds', values.rounds, smoke ? 1 : 3),
    seconds: number('seconds', values.seconds, smoke ? 1 : 4),
    connections: number('connections', values.connections, smoke ? 4 : 10),
    runs: number('runs', values.runs, smoke ? 40 : 1000),
    concurrency: number('concurrency', values.concurrency, smoke ? 4 : 10),
    latencySamples: smoke ? 5 : 100,
    stepRuns: smoke ? 2 : 10,
    growthRuns: number('growth-runs', values['growth-runs'], smoke ? 2000 : 1_000_000),
    memoryRuns: number('memory-runs', values['memory-runs'], smoke ? 1000 : 100_000),
    limitRuns: number('limit-runs', values['limit-runs'], smoke ? 2000 : 100_000),
    cpuProf: values['cpu-prof'],
    out: values.out ?? null,
    before: values.before ?? null,
    smoke,
  };
}
