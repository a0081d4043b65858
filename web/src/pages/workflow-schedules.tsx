import { useApp } from '../app-context.js';
import { Link } from '../components/link.js';
import { ErrorBox, Loading } from '../components/states.js';
import { useAsync } from '../use-async.js';
import { SchedulesTable } from './schedule-parts.js';

/** The schedules of one workflow, on its page. */
export function WorkflowSchedules({ workflowId }: { workflowId: string }) {
  const { client } = useApp();
  const list = useAsync(() => client.listSchedules({ workflow_id: workflowId, limit: 100 }), [workflowId], { pollMs: 10_000 });
  return (
    <section class="card" aria-labelledby="workflow-schedules-heading">
      <div class="section-head">
        <h2 id="workflow-schedules-heading">Schedules</h2>
        <Link href="/schedules">All schedules →</Link>
      </div>
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && list.data.data.length === 0 ? (
        <p class="muted">No schedules. Add <code>schedules:</code> to the workflow file, or create one on the Schedules page.</p>
      ) : null}
      {list.data && list.data.data.length > 0 ? <SchedulesTable schedules={list.data.data} showWorkflow={false} /> : null}
    </section>
  );
}
