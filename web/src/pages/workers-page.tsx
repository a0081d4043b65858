import type { Worker } from '../../../src/api/worker-schemas.js';
import { useApp } from '../app-context.js';
import { Link } from '../components/link.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { formatDate, formatRelative } from '../format.js';
import { useAsync } from '../use-async.js';

const RELOAD_MS = 5000;

/** Workers: the live worker processes (SPEC §12 `GET /workers`), their slots and this workspace's runs on them. */
export function WorkersPage() {
  const { client } = useApp();
  const workers = useAsync(() => client.listWorkers(), [], { pollMs: RELOAD_MS, shouldPoll: () => true });
  const list = workers.data?.data ?? [];
  return (
    <section>
      <div class="page-head">
        <h1>Workers</h1>
      </div>
      <p class="muted">
        Processes that execute runs (<code>slipway serve</code> with workers, <code>slipway worker</code>). Each heartbeats every third of its lease
        timeout and is listed while its last heartbeat is within it; a stopped process leaves at once, a killed one when its lease runs out.
      </p>
      <section class="card" aria-labelledby="workers-heading">
        <h2 id="workers-heading">Live workers</h2>
        {workers.error ? <ErrorBox error={workers.error} onRetry={workers.reload} /> : null}
        {workers.loading && !workers.data ? <Loading label="Loading workers…" /> : null}
        {workers.data && list.length === 0 ? <Empty>No live worker: queued runs wait until one starts.</Empty> : null}
        {list.length > 0 ? (
          <div class="table-wrap">
            <table class="workers-table">
              <thead>
                <tr>
                  <th scope="col">Worker</th>
                  <th scope="col">Host</th>
                  <th scope="col">PID</th>
                  <th scope="col">Runs of this workspace / slots</th>
                  <th scope="col">Started</th>
                  <th scope="col">Last seen</th>
                </tr>
              </thead>
              <tbody>{list.map((worker) => <WorkerRow key={worker.worker_id} worker={worker} />)}</tbody>
            </table>
          </div>
        ) : null}
      </section>
    </section>
  );
}

function WorkerRow({ worker }: { worker: Worker }) {
  return (
    <tr data-worker-id={worker.worker_id}>
      <td><code class="wrap">{worker.worker_id}</code></td>
      <td>{worker.host}</td>
      <td class="mono">{worker.pid}</td>
      <td>
        {worker.active_runs.length} / {worker.concurrency}
        {worker.active_runs.map((runId) => (
          <span key={runId}>
            {' '}
            <Link href={`/runs/${encodeURIComponent(runId)}`} class="mono small" aria-label={`Run ${runId}`}>{runId.slice(0, 8)}…</Link>
          </span>
        ))}
      </td>
      <td title={worker.started_at}>{formatDate(worker.started_at)}</td>
      <td title={worker.last_seen_at}>{formatRelative(worker.last_seen_at)}</td>
    </tr>
  );
}
