import { useEffect, useState } from 'preact/hooks';
import type { CreatedWebhook, Webhook } from '../../../src/api/webhook-schemas.js';
import type { WebhookEvent } from '../../../src/api/webhook-schemas.js';
import { useApp } from '../app-context.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { ShownOnceNotice } from '../components/shown-once-notice.js';
import { Link } from '../components/link.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { TextField } from '../components/text-field.js';
import { formatDate, formatRelative } from '../format.js';
import { SlipwayApiError } from '../session.js';
import { useAsync } from '../use-async.js';

/** The events an endpoint can subscribe to (SPEC §10), as the API's WebhookEvent type lists them. */
const WEBHOOK_EVENTS: readonly WebhookEvent[] = ['run.completed', 'run.failed', 'run.canceled', 'waitpoint.opened'];

/** Settings > Webhooks: create (secret shown once), list, delete, send a test, the deliveries log, redeliver. */
export function WebhooksPage() {
  const { client } = useApp();
  const hooks = useAsync(() => client.listWebhooks(), []);
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);

  return (
    <section>
      <div class="page-head">
        <h1>Webhooks</h1>
      </div>
      <p class="muted">
        Slipway POSTs run outcomes to these URLs, signed per Standard Webhooks (<code>webhook-id</code>, <code>webhook-timestamp</code>,{' '}
        <code>webhook-signature</code>), and retries for a day until the receiver answers 2xx.
      </p>
      <CreateWebhookForm
        onCreated={(hook) => {
          setCreated(hook);
          hooks.reload();
        }}
      />
      {created ? <NewSecretNotice hook={created} onDone={() => setCreated(null)} /> : null}

      <section class="card" aria-labelledby="webhooks-heading">
        <h2 id="webhooks-heading">Endpoints of this workspace</h2>
        {hooks.error ? <ErrorBox error={hooks.error} onRetry={hooks.reload} /> : null}
        {hooks.loading && !hooks.data ? <Loading label="Loading webhooks…" /> : null}
        {hooks.data && hooks.data.data.length === 0 ? <Empty>No webhooks yet.</Empty> : null}
        {hooks.data?.data.map((hook) => (
          <article key={hook.webhook_id} class="webhook" data-webhook-id={hook.webhook_id}>
            <div class="webhook-head">
              <div>
                <code class="webhook-url">{hook.url}</code>
                <p class="muted small">
                  {hook.events.join(', ')}
                  {hook.workflow_id ? (
                    <>
                      {' '}· workflow <Link href={`/workflows/${encodeURIComponent(hook.workflow_id)}`}>{hook.workflow_id}</Link>
                    </>
                  ) : (
                    ' · every workflow'
                  )}
                  {hook.description ? ` · ${hook.description}` : ''} · created {formatDate(hook.created_at)}
                </p>
              </div>
              <div class="webhook-actions">
                <TestButton hook={hook} onSent={() => setOpen(hook.webhook_id)} />
                <button type="button" class="button small" aria-expanded={open === hook.webhook_id} onClick={() => setOpen(open === hook.webhook_id ? null : hook.webhook_id)}>
                  Deliveries
                </button>
                <button type="button" class="button small danger" onClick={() => setDeleting(hook)} aria-label={`Delete webhook ${hook.url}`}>
                  Delete
                </button>
              </div>
            </div>
            {open === hook.webhook_id ? <DeliveriesLog hook={hook} /> : null}
          </article>
        ))}
      </section>
      {deleting ? (
        <DeleteDialog
          hook={deleting}
          onClose={(changed) => {
            setDeleting(null);
            if (changed) hooks.reload();
          }}
        />
      ) : null}
    </section>
  );
}

function CreateWebhookForm({ onCreated }: { onCreated: (hook: CreatedWebhook) => void }) {
  const { client } = useApp();
  const [url, setUrl] = useState('');
  const [workflowId, setWorkflowId] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>(['run.completed', 'run.failed']);
  const [error, setError] = useState<unknown>(null);
  const [urlError, setUrlError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const toggle = (event: WebhookEvent) => setEvents(events.includes(event) ? events.filter((e) => e !== event) : [...events, event]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setUrlError(null);
    if (!url.trim()) return setUrlError('Enter the URL that should receive the events.');
    if (events.length === 0) return setError(new Error('Choose at least one event.'));
    setBusy(true);
    try {
      onCreated(await client.createWebhook({ url: url.trim(), events, ...(workflowId.trim() && { workflow_id: workflowId.trim() }) }));
      setUrl('');
    } catch (err) {
      if (err instanceof SlipwayApiError && err.body.details?.some((d) => d.path.endsWith('url'))) setUrlError(err.body.message);
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="create-webhook-heading">
      <h2 id="create-webhook-heading">Add an endpoint</h2>
      <div class="form-row">
        <TextField id="webhook-url" label="URL" type="url" value={url} onValue={setUrl} error={urlError} placeholder="https://example.com/hooks/slipway" />
        <div class="field">
          <label for="webhook-workflow">Only workflow (optional)</label>
          <input id="webhook-workflow" value={workflowId} placeholder="every workflow" onInput={(e) => setWorkflowId((e.target as HTMLInputElement).value)} />
        </div>
      </div>
      <fieldset class="field">
        <legend>Events</legend>
        {WEBHOOK_EVENTS.map((event) => (
          <label key={event} class="checkbox">
            <input type="checkbox" checked={events.includes(event)} onChange={() => toggle(event)} /> <code>{event}</code>
          </label>
        ))}
      </fieldset>
      <button type="submit" class="button primary" disabled={busy}>
        {busy ? 'Adding…' : 'Add endpoint'}
      </button>
      {error ? <ErrorBox error={error} /> : null}
    </form>
  );
}

function NewSecretNotice({ hook, onDone }: { hook: CreatedWebhook; onDone: () => void }) {
  return (
    <ShownOnceNotice
      headingId="new-secret-heading"
      title="Endpoint added"
      warning={<><strong>Copy the signing secret now.</strong> Your receiver needs it to verify signatures; it is not shown again.</>}
      value={hook.secret}
      valueLabel="Signing secret"
      testId="webhook-secret"
      copyLabel="Copy secret"
      onDone={onDone}
    />
  );
}

function TestButton({ hook, onSent }: { hook: Webhook; onSent: () => void }) {
  const { client } = useApp();
  const [state, setState] = useState<'idle' | 'sending' | 'sent' | 'error'>('idle');
  const send = async () => {
    setState('sending');
    try {
      await client.testWebhook(hook.webhook_id);
      setState('sent');
      onSent();
    } catch {
      setState('error');
    }
  };
  return (
    <button type="button" class="button small" onClick={send} disabled={state === 'sending'}>
      {state === 'sent' ? 'Test queued' : state === 'error' ? 'Test failed' : 'Send test'}
    </button>
  );
}

function DeliveriesLog({ hook }: { hook: Webhook }) {
  const { client } = useApp();
  const deliveries = useAsync(() => client.listWebhookDeliveries(hook.webhook_id, { limit: 25 }), [hook.webhook_id]);
  const [error, setError] = useState<unknown>(null);
  // Pending deliveries change on their own: look again every 2 s while any is pending.
  const pending = deliveries.data?.data.some((d) => d.status === 'pending') ?? false;
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(deliveries.reload, 2000);
    return () => clearInterval(timer);
  }, [pending]);

  const redeliver = async (deliveryId: string) => {
    setError(null);
    try {
      await client.redeliverWebhookDelivery(hook.webhook_id, deliveryId);
      deliveries.reload();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div class="deliveries" aria-label={`Deliveries of ${hook.url}`}>
      {deliveries.error ? <ErrorBox error={deliveries.error} onRetry={deliveries.reload} /> : null}
      {error ? <ErrorBox error={error} /> : null}
      {deliveries.loading && !deliveries.data ? <Loading label="Loading deliveries…" /> : null}
      {deliveries.data && deliveries.data.data.length === 0 ? <Empty>No deliveries yet.</Empty> : null}
      {deliveries.data && deliveries.data.data.length > 0 ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last answer</th>
                <th scope="col" class="hide-sm">Created</th>
                <th scope="col"><span class="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {deliveries.data.data.map((d) => (
                <tr key={d.delivery_id} data-delivery-id={d.delivery_id} data-status={d.status}>
                  <td><code>{d.event}</code></td>
                  <td>{d.run_id ? <Link href={`/runs/${d.run_id}`}>{d.run_id.slice(0, 8)}…</Link> : '—'}</td>
                  <td>
                    <span class={`badge delivery-${d.status}`}>{d.status}</span>
                    {d.status === 'pending' && d.next_attempt_at ? <span class="muted small"> next {formatRelative(d.next_attempt_at)}</span> : null}
                  </td>
                  <td>{d.attempts}</td>
                  <td class="delivery-error">{d.last_status_code ?? ''} {d.last_error ?? ''}</td>
                  <td class="hide-sm" title={d.created_at}>{formatRelative(d.created_at)}</td>
                  <td>
                    {d.status === 'pending' ? null : (
                      <button type="button" class="button small" onClick={() => redeliver(d.delivery_id)}>
                        Redeliver
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}

function DeleteDialog({ hook, onClose }: { hook: Webhook; onClose: (changed: boolean) => void }) {
  const { client } = useApp();
  return (
    <ConfirmDialog headingId="delete-webhook-heading" title="Delete this webhook?" confirmLabel="Delete webhook" busyLabel="Deleting…" action={() => client.deleteWebhook(hook.webhook_id)} onClose={onClose}>
      <p>
        <code>{hook.url}</code> receives no further events; pending deliveries are dropped.
      </p>
    </ConfirmDialog>
  );
}
