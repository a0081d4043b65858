import type { RunWaiting } from '../../../src/api/waiting-schemas.js';
import { Link } from './link.js';
import { formatDate, formatRelative } from '../format.js';

/** 14:05, as a person reads a time of today (the full date is in the title). */
const clock = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
const ahead = (position: number) => (position >= 1000 ? '1,000+' : String(position));
const WAITPOINT_KINDS: Record<string, string> = { approval: 'approval', callback: 'a callback', event: 'an event' };

/**
 * Why a run waits, in a few words for run lists (SPEC §12): "waiting for a worker: 12 ahead",
 * "customer A already has 1 running", "retry 2 of 3 at 14:05", "waiting for approval".
 */
export function waitingLabel(waiting: RunWaiting): string {
  switch (waiting.reason) {
    case 'scheduled':
      return `scheduled for ${clock(waiting.detail.not_before)}`;
    case 'concurrency_key':
      return `${waiting.detail.key === '' ? 'this workflow' : waiting.detail.key} already has ${waiting.detail.running} running`;
    case 'no_workers':
      return 'no worker is running';
    case 'queue':
      return waiting.detail.position === 0 ? 'next for a worker' : `waiting for a worker: ${ahead(waiting.detail.position)} ahead`;
    case 'waitpoint':
      return `waiting for ${WAITPOINT_KINDS[waiting.detail.kind] ?? waiting.detail.kind}`;
    case 'child_run':
      return 'waiting for a child run';
    case 'retry':
      return `retry ${waiting.detail.attempt} of ${waiting.detail.max_attempts} at ${clock(waiting.until ?? waiting.since)}`;
    case 'delay':
      return `delayed until ${clock(waiting.until ?? waiting.since)}`;
  }
}

/** The longer explanation on the run page, with what the user can do about it. */
function waitingExplanation(waiting: RunWaiting) {
  switch (waiting.reason) {
    case 'scheduled':
      return <>It was created with a start time: no worker claims it before {formatDate(waiting.detail.not_before)}.</>;
    case 'concurrency_key':
      return (
        <>
          Its workflow allows {waiting.detail.limit} run{waiting.detail.limit === 1 ? '' : 's'} at once
          {waiting.detail.key === '' ? '' : <> for the key <code>{waiting.detail.key}</code></>}, and {waiting.detail.running} {waiting.detail.running === 1 ? 'is' : 'are'} running.
          It starts when one of them ends.
        </>
      );
    case 'no_workers':
      return (
        <>
          No worker process is live, so nothing claims runs.{' '}
          {waiting.detail.last_seen_at ? <>The last one was seen {formatRelative(waiting.detail.last_seen_at)}.</> : 'None has been seen.'} Start one with{' '}
          <code>slipway worker</code> (or <code>slipway serve</code> with workers). <Link href="/workers">Workers</Link>
        </>
      );
    case 'queue':
      return (
        <>
          {waiting.detail.position === 0 ? 'It is next in line' : <>{ahead(waiting.detail.position)} run{waiting.detail.position === 1 ? ' is' : 's are'} ahead of it</>}, with{' '}
          {waiting.detail.workers} live worker process{waiting.detail.workers === 1 ? '' : 'es'}. <Link href="/workers">Workers</Link>
        </>
      );
    case 'waitpoint':
      return (
        <>
          Its <code>wait</code> step waits for {WAITPOINT_KINDS[waiting.detail.kind] ?? waiting.detail.kind} (waitpoint <code>{waiting.detail.waitpoint_id}</code>)
          {waiting.detail.expires_at ? <>, at the latest until {formatDate(waiting.detail.expires_at)}</> : null}.
        </>
      );
    case 'child_run':
      return <>A <code>workflow</code> step waits for its child run <Link href={`/runs/${encodeURIComponent(waiting.detail.run_id)}`}>{waiting.detail.run_id}</Link>.</>;
    case 'retry':
      return <>Step <code>{waiting.detail.step_id}</code> failed; attempt {waiting.detail.attempt} of {waiting.detail.max_attempts} starts at {formatDate(waiting.until ?? null)}.</>;
    case 'delay':
      return <>Step <code>{waiting.detail.step_id}</code> is a delay that ends at {formatDate(waiting.until ?? null)}.</>;
  }
}

/** The run page's card: the label, since when, and the explanation. */
export function WaitingCard({ waiting }: { waiting: RunWaiting }) {
  return (
    <section class="card waiting-card" aria-labelledby="waiting-heading" data-testid="waiting" data-reason={waiting.reason}>
      <h2 id="waiting-heading">Why is this run waiting?</h2>
      <p>
        <strong>{waitingLabel(waiting)}</strong> <span class="muted small" title={waiting.since}>since {formatRelative(waiting.since)}</span>
      </p>
      <p class="muted">{waitingExplanation(waiting)}</p>
    </section>
  );
}
