import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { parseDuration } from '../core/duration.js';
import { toJunitXml } from './workflow-test/junit.js';
import { runTestFile, type CaseResult } from './workflow-test/run-test-file.js';

function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === null || ms <= 0) throw new InvalidArgumentError('expected a duration such as 30s or 2m');
  return ms;
}

/**
 * `slipway test <file.test.yaml>…` (SPEC §14): runs workflow test cases on a throwaway
 * embedded database with mocked steps; a line per case, then `N passed, N failed`; exit
 * code 1 when a case fails; `--junit <file>` writes JUnit XML.
 */
export function registerTestCommand(program: Command) {
  program
    .command('test <files...>')
    .description('run workflow test files (*.test.yaml) with mocked steps on a throwaway database')
    .option('--allow-network', 'let unmocked http and llm steps make real requests')
    .option('--junit <file>', 'write the results as JUnit XML')
    .option('--timeout <duration>', 'how long one case may run', duration, 60_000)
    .action(async (files: string[], options: { allowNetwork?: boolean; junit?: string; timeout: number }) => {
      const results: CaseResult[] = [];
      for (const file of files) {
        for (const result of await runTestFile(file, { allowNetwork: options.allowNetwork ?? false, caseTimeoutMs: options.timeout })) {
          results.push(result);
          const mark = result.failures.length === 0 ? 'ok  ' : 'FAIL';
          process.stdout.write(`${mark} ${file} › ${result.name} (${result.durationMs} ms)\n`);
          for (const failure of result.failures) process.stdout.write(`       ${failure.replace(/\n/g, '\n       ')}\n`);
        }
      }
      const failed = results.filter((r) => r.failures.length > 0).length;
      if (options.junit) writeFileSync(options.junit, toJunitXml(results));
      process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
      if (failed > 0) process.exitCode = 1;
    });
}
