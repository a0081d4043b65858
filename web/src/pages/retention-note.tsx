import type { RetentionSchema } from '../../../src/api/workspace-schemas.js';
import { useApp } from '../app-context.js';
import { useAsync } from '../use-async.js';

const UNIT_WORDS: Record<string, [string, string]> = { d: ['day', 'days'], h: ['hour', 'hours'], m: ['minute', 'minutes'], s: ['second', 'seconds'], ms: ['millisecond', 'milliseconds'] };

/** `30d` → "30 days", null → "forever". */
export function keptFor(duration: string | null): string {
  if (duration === null) return 'forever';
  const match = /^(\d+)(ms|d|h|m|s)$/.exec(duration);
  if (!match) return duration;
  const [singular, plural] = UNIT_WORDS[match[2]!]!;
  return `${match[1]} ${match[1] === '1' ? singular : plural}`;
}

/** One sentence saying how long this workspace keeps finished runs (SPEC §17). */
export function retentionSentence(retention: RetentionSchema): string {
  if (retention.completed === null && retention.failed === null && retention.canceled === null) return 'This workspace keeps runs forever.';
  return `Completed runs are kept ${keptFor(retention.completed)}, failed runs ${keptFor(retention.failed)}, canceled runs ${keptFor(retention.canceled)} after they end; then they are deleted with their steps and logs.`;
}

/** The retention line of the runs page; nothing while it loads or when the server has no `/workspace`. */
export function RetentionNote() {
  const { client } = useApp();
  const workspace = useAsync(() => client.getWorkspace(), []);
  if (!workspace.data) return null;
  return (
    <p class="muted small retention-note" data-testid="retention-note">
      {retentionSentence(workspace.data.retention)}{' '}
      <span>Change it with <code>slipway workspace update {workspace.data.id} --retention-completed 30d</code>.</span>
    </p>
  );
}
