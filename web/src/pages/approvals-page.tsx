import { useState } from 'preact/hooks';
import type { WaitpointResponse } from '../../../src/api/waitpoint-schemas.js';
import { useApp } from '../app-context.js';
import { JsonView } from '../components/json-view.js';
import { Link } from '../components/link.js';
import { Pagination } from '../components/pagination.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatDate, formatRelative } from '../format.js';
import { useAsync } from '../use-async.js';
import { ApprovalForm } from './approval-form.js';

/** Open approvals are looked for again this often, so new ones appear without a reload. */
const INBOX_POLL_MS = 5000;

const runHref = (w: WaitpointResponse) => `/runs/${encodeURIComponent(w.run_id)}`;
const approvalHref = (w: WaitpointResponse) => `/approvals/${encodeURIComponent(w.waitpoint_id)}`;
const decided = (w: WaitpointResponse) => `${w.decision ?? w.status.toLowerCase()}${w.completed_by ? ` by ${w.completed_by}` : ''}`;

/** Approvals: the OPEN approval waitpoints of the workspace, newest first, each with its prompt, its run and its form. */
export function ApprovalsPage() {
  const { client } = useApp();
  const [page, setPage] = useState(1);
  const [done, setDone] = useState<WaitpointResponse | null>(null);
  const inbox = useAsync(() => client.listWaitpoints({ status: 'OPEN', kind: 'approval', page, limit: 15 }), [page], {
    pollMs: INBOX_POLL_MS,
    shouldPoll: () => true,
  });

  return (
    <section>
      <div class="page-head">
        <h1>Approvals</h1>
      </div>
      <p class="muted">
        Runs waiting at an approval step (<code>type: wait</code>, <code>kind: approval</code>), newest first. Approving or rejecting wakes the run.
      </p>
      {done ? (
        <p class="notice success" role="status">
          {done.decision === 'approved' ? 'Approved' : 'Rejected'}: {done.prompt ?? done.step_id}. <Link href={runHref(done)}>View the run</Link>
        </p>
      ) : null}
      {inbox.error ? <ErrorBox error={inbox.error} onRetry={inbox.reload} /> : null}
      {inbox.loading && !inbox.data ? <Loading label="Loading approvals…" /> : null}
      {inbox.data && inbox.data.data.length === 0 ? <Empty>No approvals are waiting.</Empty> : null}
      {inbox.data?.data.map((w) => (
        <article key={w.waitpoint_id} class="card approval" data-waitpoint-id={w.waitpoint_id} aria-labelledby={`approval-${w.waitpoint_id}`}>
          <h2 id={`approval-${w.waitpoint_id}`}>{w.prompt ?? `Approve step ${w.step_id}`}</h2>
          <ApprovalFacts waitpoint={w} />
          <ApprovalForm
            waitpoint={w}
            onCompleted={(completed) => {
              setDone(completed);
              inbox.reload();
            }}
          />
        </article>
      ))}
      {inbox.data ? <Pagination page={inbox.data.pagination.page} totalPages={inbox.data.pagination.totalPages} total={inbox.data.pagination.total} onPage={setPage} /> : null}
    </section>
  );
}

function ApprovalFacts({ waitpoint: w }: { waitpoint: WaitpointResponse }) {
  return (
    <p class="muted small">
      <Link href={`/workflows/${encodeURIComponent(w.workflow_id)}`}>{w.workflow_id}</Link> · step <code>{w.step_id}</code> ·{' '}
      <Link href={runHref(w)}>run {w.run_id}</Link> · opened <span title={w.created_at}>{formatRelative(w.created_at)}</span>
      {w.expires_at ? (
        <>
          {' '}· times out <span title={w.expires_at}>{formatDate(w.expires_at)}</span>
        </>
      ) : null}{' '}
      · <Link href={approvalHref(w)}>link to this approval</Link>
    </p>
  );
}

/** `/approvals/{id}`: the page a waitpoint's `approve_url` opens — its form while OPEN, its outcome afterwards. */
export function ApprovalPage({ waitpointId }: { waitpointId: string }) {
  const { client } = useApp();
  const waitpoint = useAsync(() => client.getWaitpoint(waitpointId), [waitpointId], { keepDataOnChange: true });
  const w = waitpoint.data;
  return (
    <section>
      <p class="crumbs">
        <Link href="/approvals">← Approvals</Link>
      </p>
      {waitpoint.error && !w ? (
        <>
          <h1>Waitpoint {waitpointId}</h1>
          <ErrorBox error={waitpoint.error} onRetry={waitpoint.reload} />
        </>
      ) : null}
      {!w && !waitpoint.error ? <Loading label="Loading approval…" /> : null}
      {w ? (
        <>
          <div class="page-head">
            <h1>{w.prompt ?? `${w.kind === 'approval' ? 'Approve' : 'Wait at'} step ${w.step_id}`}</h1>
          </div>
          <p class="meta">
            <StatusBadge status={w.status} /> <span class="muted">{w.kind}</span>
          </p>
          <ApprovalFacts waitpoint={w} />
          {w.status === 'OPEN' && w.kind === 'approval' ? (
            <section class="card" aria-labelledby="decide-heading">
              <h2 id="decide-heading">Your decision</h2>
              <ApprovalForm waitpoint={w} onCompleted={() => waitpoint.reload()} />
            </section>
          ) : null}
          {w.status === 'OPEN' && w.kind !== 'approval' ? (
            <p class="muted">This waitpoint is completed by its {w.kind === 'callback' ? 'callback URL' : `event ${w.event ?? ''}`}, not here.</p>
          ) : null}
          {w.status !== 'OPEN' ? (
            <section class="card" aria-labelledby="outcome-heading">
              <h2 id="outcome-heading">Outcome</h2>
              <p data-testid="waitpoint-outcome">
                {decided(w)}
                {w.completed_at ? <span title={w.completed_at}> · {formatDate(w.completed_at)}</span> : null}
              </p>
              {w.data !== null && w.data !== undefined ? <JsonView value={w.data} label="Data" /> : null}
            </section>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
