import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** How long a scrape reuses the queue depth it read (a scrape never counts more than once per window). */
export const QUEUE_DEPTH_CACHE_MS = 5_000;

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/**
 * The Prometheus series of SPEC §17, on a registry of this process's own (not the global
 * one, so two servers in one test process do not share counters). Labels stay low
 * cardinality: workspace and workflow ids, step types, statuses; never run ids.
 */
export function createMetrics(deps: { countQueuedRuns: () => Promise<number>; now?: () => number }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const now = deps.now ?? Date.now;
  let depth: { value: number; readAt: number } | null = null;

  const metrics = {
    registry,
    runsCreated: new Counter({ name: 'slipway_runs_created_total', help: 'Runs created', labelNames: ['workspace', 'workflow'], registers: [registry] }),
    runsFinished: new Counter({ name: 'slipway_runs_finished_total', help: 'Runs that reached a final status', labelNames: ['workspace', 'workflow', 'status'], registers: [registry] }),
    queueWait: new Histogram({ name: 'slipway_queue_wait_seconds', help: 'Time from a run\'s creation to its first claim (STARTING)', buckets: SECONDS_BUCKETS, registers: [registry] }),
    stepDuration: new Histogram({ name: 'slipway_step_duration_seconds', help: 'Duration of finished step attempts', labelNames: ['type'], buckets: SECONDS_BUCKETS, registers: [registry] }),
    limitRejections: new Counter({ name: 'slipway_limit_rejections_total', help: 'Run creations refused by a limit', labelNames: ['limit'], registers: [registry] }),
    webhookDeliveries: new Counter({ name: 'slipway_webhook_deliveries_total', help: 'Webhook delivery attempts by outcome', labelNames: ['outcome'], registers: [registry] }),
    llmTokens: new Counter({ name: 'slipway_llm_tokens_total', help: 'Tokens used by llm steps', labelNames: ['model', 'kind'], registers: [registry] }),
    httpDuration: new Histogram({ name: 'slipway_http_request_duration_seconds', help: 'HTTP API requests by route template and status', labelNames: ['route', 'status'], buckets: SECONDS_BUCKETS, registers: [registry] }),
  };
  new Gauge({
    name: 'slipway_queue_depth',
    help: 'Runs waiting to be claimed, across the whole database (the same in every process: read it with max)',
    registers: [registry],
    async collect() {
      const at = now();
      if (!depth || at - depth.readAt >= QUEUE_DEPTH_CACHE_MS) depth = { value: await deps.countQueuedRuns(), readAt: at };
      this.set(depth.value);
    },
  });
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
