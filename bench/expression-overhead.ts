/**
 * What bounding expressions costs (issue 19, docs/DECISIONS.md): each case evaluated with bare
 * JSONata and through `evaluateValue` (hooks on the main thread, or the worker pool), median of
 * five rounds. `node --import tsx bench/expression-overhead.ts [evaluations per round]`.
 */
import jsonata from 'jsonata';
import { evaluateValue } from '../src/workflow/expressions.js';
const small = { inputs: { name: 'Ada', n: 3 }, steps: { a: { output: { items: [1, 2, 3, 4, 5], body: 'hello world' }, status: 'COMPLETED' } }, run: { id: 'r', workflowId: 'w', metadata: null } };
const bigBody = 'lorem ipsum '.repeat(90_000); // ~1 MB
const big = { ...small, steps: { a: { output: { items: [1, 2, 3, 4, 5], body: bigBody }, status: 'COMPLETED' } } };
const cases: [string, string, unknown][] = [
  ['path', 'inputs.name', small],
  ['sum', '$sum(steps.a.output.items)', small],
  ['concat', '$uppercase(inputs.name) & " " & $string(inputs.n)', small],
  ['regex (worker)', '$match(steps.a.output.body, /wor/).match', small],
  ['sort (worker)', '$sort(steps.a.output.items)', small],
  ['regex (worker), 1 MB scope', '$contains(steps.a.output.body, /ipsum/)', big],
];
const N = Number(process.argv[2] ?? 5000);

async function main() {
for (const [name, src, scope] of cases) {
  const plain = jsonata(src);
  const n = name.includes('1 MB') ? 200 : N;
  for (let i = 0; i < 300; i++) { await plain.evaluate(scope); await evaluateValue(`{{ ${src} }}`, scope); }
  // CPU time of the whole process (main thread and expression workers), robust on a loaded machine.
  const cpu = async (run: () => Promise<unknown>) => {
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) await run();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / n;
  };
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < 5; round++) {
    a.push(await cpu(async () => {
      const r: unknown = await plain.evaluate(scope);
      if (r && typeof r === 'object') JSON.parse(JSON.stringify(r));
    }));
    b.push(await cpu(() => evaluateValue(`{{ ${src} }}`, scope)));
  }
  const med = (x: number[]) => x.sort((p, q) => p - q)[2]!;
  console.log(`${name.padEnd(28)} bare JSONata ${med(a).toFixed(1).padStart(7)} µs CPU   bounded ${med(b).toFixed(1).padStart(7)} µs CPU   overhead ${(med(b) - med(a)).toFixed(1).padStart(7)} µs`);
}
}

await main();
