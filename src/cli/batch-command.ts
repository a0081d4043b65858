import { readFile } from 'node:fs/promises';
import type { BatchRunRequestItem } from '../client/batch-client.js';
import type { SlipwayClient } from '../client/slipway-client.js';

/** The API takes at most this many items per request (SPEC §15); a longer file is sent in several requests. */
const ITEMS_PER_REQUEST = 1000;

/**
 * `slipway run <workflowId> --batch file.jsonl`: one JSON object per line
 * (`{"inputs": {…}, "metadata"?: {…}, "idempotency_key"?: "…"}`; blank lines skipped), sent
 * as batch creates of up to 1,000 items. Prints one line per item (`<run_id> <status>`,
 * `… replayed`, or `line N: <code>: <message>`), or with `--json` the items as JSON lines.
 * Exits 1 when some item was refused.
 */
export async function runBatchFile(client: SlipwayClient, workflowId: string, file: string, options: { json?: boolean }): Promise<void> {
  const text = await readFile(file, 'utf8');
  const items: { line: number; item: BatchRunRequestItem }[] = [];
  text.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new Error(`${file}:${index + 1}: not a JSON object`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file}:${index + 1}: not a JSON object`);
    items.push({ line: index + 1, item: parsed as BatchRunRequestItem });
  });
  if (items.length === 0) throw new Error(`${file}: no runs (one JSON object per line)`);
  let refused = 0;
  for (let start = 0; start < items.length; start += ITEMS_PER_REQUEST) {
    const chunk = items.slice(start, start + ITEMS_PER_REQUEST);
    const { data } = await client.createRunBatch(workflowId, chunk.map((entry) => entry.item));
    data.forEach((answer, i) => {
      const line = chunk[i]!.line;
      if ('error' in answer) refused += 1;
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ line, ...answer })}\n`);
      } else if ('error' in answer) {
        process.stdout.write(`line ${line}: ${answer.error.error}: ${answer.error.message}\n`);
      } else {
        process.stdout.write(`${answer.run_id} ${answer.status}${answer.replayed ? ' replayed' : ''}\n`);
      }
    });
  }
  if (refused > 0) {
    process.stderr.write(`${refused} of ${items.length} runs refused\n`);
    process.exitCode = 1;
  }
}
