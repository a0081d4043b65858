import type { CaseResult } from './run-test-file.js';

const escapeXml = (text: string) =>
  // eslint-disable-next-line no-control-regex
  text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** JUnit XML of the results: a `testsuite` per test file, a `testcase` per case, named by it. */
export function toJunitXml(results: readonly CaseResult[]): string {
  const files = [...new Set(results.map((r) => r.file))];
  const failed = results.filter((r) => r.failures.length > 0).length;
  const total = results.reduce((sum, r) => sum + r.durationMs, 0);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="slipway test" tests="${results.length}" failures="${failed}" time="${seconds(total)}">`];
  for (const file of files) {
    const cases = results.filter((r) => r.file === file);
    const fileFailed = cases.filter((r) => r.failures.length > 0).length;
    const time = cases.reduce((sum, r) => sum + r.durationMs, 0);
    lines.push(`  <testsuite name="${escapeXml(file)}" tests="${cases.length}" failures="${fileFailed}" time="${seconds(time)}">`);
    for (const result of cases) {
      const open = `    <testcase name="${escapeXml(result.name)}" classname="${escapeXml(file)}" time="${seconds(result.durationMs)}"`;
      if (result.failures.length === 0) {
        lines.push(`${open}/>`);
        continue;
      }
      lines.push(`${open}>`);
      lines.push(`      <failure message="${escapeXml(result.failures[0]!)}">${escapeXml(result.failures.join('\n'))}</failure>`);
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
