import { toIso } from '../core/clock.js';
import type { Store } from '../store/store.js';
import type { WebhookDelivery } from '../store/webhook-store.js';
import type { RunDetailsOf } from './run-details.js';

/**
 * The body of a run event's webhook (SPEC §10): `{type, timestamp, data}` with the run exactly
 * as `GET /workflow-runs/{runId}?include=details` answers it (`runDetails`). Built once, at the
 * delivery's first attempt, from the run's terminal state (which never changes), and stored, so
 * every attempt sends the same bytes. Null when the run no longer exists.
 */
export async function runWebhookPayload(
  deps: { store: Pick<Store, 'getRun'>; runDetails: RunDetailsOf },
  delivery: Pick<WebhookDelivery, 'workspaceId' | 'runId' | 'event' | 'createdAt'>,
): Promise<string | null> {
  if (delivery.runId === null) return null;
  const run = await deps.store.getRun(delivery.workspaceId, delivery.runId);
  if (!run) return null;
  return JSON.stringify({ type: delivery.event, timestamp: toIso(run.completedAt ?? delivery.createdAt), data: await deps.runDetails(run) });
}
