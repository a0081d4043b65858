import type { SqliteDeps } from './sqlite-deps.js';

/**
 * Writes rows with multi-row `INSERT … VALUES` statements of a few fixed sizes, the largest
 * that fit first, so few statements are prepared and most rows go in a statement shared with
 * others. The parameters go to better-sqlite3 as one array (it binds an array's elements in
 * order): spreading thousands of arguments cost more than the statement (issue 10 profile).
 *
 * @example
 * const insertEvents = multiRowInsert('INSERT INTO t (a, b) VALUES ', '(?, ?)', [8, 4, 2, 1]);
 * insertEvents(deps.run, [[1, 'x'], [2, 'y']]);
 */
export function multiRowInsert(head: string, row: string, sizes: readonly number[]) {
  const descending = [...sizes].sort((a, b) => b - a);
  if (descending.at(-1) !== 1) throw new Error('multiRowInsert needs a statement of one row');
  const statements = new Map(descending.map((n) => [n, head + Array(n).fill(row).join(', ')]));
  return (run: SqliteDeps['run'], rows: readonly (readonly unknown[])[]): void => {
    let at = 0;
    for (const size of descending) {
      for (; rows.length - at >= size; at += size) {
        const params: unknown[] = [];
        for (let i = at; i < at + size; i++) for (const value of rows[i]!) params.push(value);
        run(statements.get(size)!, params);
      }
    }
  };
}
