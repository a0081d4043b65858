import { hostname } from 'node:os';
import type pino from 'pino';
import type { Clock } from './core/clock.js';
import type { Config } from './config/config.js';
import { createRetentionSweeper, type RetentionSweeper } from './engine/retention-sweeper.js';
import { createScheduleFirer, type ScheduleFirer } from './engine/schedule-firer.js';
import { createWebhookDispatcher, type WebhookDispatcher } from './engine/webhook-dispatcher.js';
import { createWebhookSender } from './engine/webhook-sender.js';
import { startWorkerHeartbeat } from './engine/worker-heartbeat.js';
import type { WorkerPool } from './engine/worker-pool.js';
import { createRunDetails, type RunDetailsOf } from './http/run-details.js';
import { runWebhookPayload } from './http/webhook-payloads.js';
import { openWebhookSecret } from './service/webhook-signing-secret.js';
import type { Store } from './store/store.js';
import { DELIVERY_MAX_BACKOFF_MS } from './store/webhook-rows.js';
import type { createServices } from './server.js';

/**
 * The work a process with workers does beside executing runs (part of the composition root,
 * beside server.ts): it sends webhooks (SPEC §10), fires due schedules (§8), sweeps expired
 * runs (§17) and keeps the process in the workers registry (§12). `serve --concurrency 0`
 * does none of it: it only records deliveries and fires.
 */

/** How often a process with workers looks for due schedules: fires happen within about this much of their time. */
const SCHEDULE_POLL_INTERVAL_MS = 250;

export interface BackgroundWorkDeps {
  store: Store;
  clock: Clock;
  config: Readonly<Config>;
  services: ReturnType<typeof createServices>;
  pool: WorkerPool;
  secretKey: Buffer | null;
  logger: pino.Logger | false;
}

export interface BackgroundWork {
  dispatcher: WebhookDispatcher;
  firer: ScheduleFirer;
  sweeper: RetentionSweeper;
  /** Lists the process in the workers registry (so it is live before it claims), then starts the loops. */
  start(): Promise<void>;
  /** Stops the loops at once; the registry row goes when `drained` (the pool's stop) has resolved. */
  stop(drained: Promise<void>): Promise<void>;
}

export function createBackgroundWork(deps: BackgroundWorkDeps): BackgroundWork {
  const { store, clock, config, services, pool, logger } = deps;
  const log = (level: 'error' | 'warn', what: string) => (error: unknown) => (logger ? logger[level]({ err: error }, what) : undefined);
  const dispatcher = createDispatcher(store, clock, config, pool.workerId, createRunDetails(services.runs), deps.secretKey, log('error', 'webhook dispatcher error'));
  services.webhookWakers.add(dispatcher.wake);
  const firer = createScheduleFirer({ store, clock, fire: services.schedules.fire }, {
    pollIntervalMs: SCHEDULE_POLL_INTERVAL_MS,
    leaseMs: config.leaseMs,
    onError: log('error', 'schedule firer error'),
  });
  const sweeper = createRetentionSweeper({ store, clock }, {
    intervalMs: config.retentionIntervalMs,
    onError: log('error', 'retention sweeper error'),
    onSweep: (report) => (logger && report.deletedRuns > 0 ? logger.info(report, 'retention: deleted expired runs') : undefined),
  });
  let heartbeat: { stop(): Promise<void> } | null = null;
  return {
    dispatcher,
    firer,
    sweeper,
    async start() {
      heartbeat = await startWorkerHeartbeat({ store, clock, activeRuns: () => pool.activeRunList }, {
        workerId: pool.workerId, host: hostname(), pid: process.pid, concurrency: config.concurrency, leaseMs: config.leaseMs,
        onError: log('warn', 'worker heartbeat error'),
      });
      dispatcher.start();
      firer.start();
      sweeper.start();
    },
    async stop(drained) {
      services.webhookWakers.delete(dispatcher.wake);
      await Promise.all([
        // The registry row stays (live) while the runs drain or are released.
        drained.then(() => heartbeat?.stop()),
        firer.stop(),
        sweeper.stop(),
        dispatcher.stop(),
      ]);
    },
  };
}

/** The webhook outbox's sender for a process with workers (SPEC §10). */
function createDispatcher(
  store: Store, clock: Clock, config: Readonly<Config>, workerId: string, runDetails: RunDetailsOf, secretKey: Buffer | null, onError?: (error: unknown) => void,
): WebhookDispatcher {
  const leaseMs = 60_000;
  return createWebhookDispatcher({
    clock,
    claimDue: (limit, now) => store.claimDueDeliveries({ workerId, limit, leaseMs, now }),
    signingSecret: (delivery) => openWebhookSecret(secretKey, delivery.workspaceId, delivery.endpointId, delivery.secret),
    freezePayload: (deliveryId, payload) => store.freezeDeliveryPayload(deliveryId, workerId, payload),
    runPayload: (delivery) => runWebhookPayload({ store, runDetails }, delivery),
    recordAttempt: (deliveryId, outcome, statusCode, error, now) => store.recordDeliveryAttempt({ deliveryId, workerId, outcome, statusCode, error, now }),
    send: createWebhookSender({ allowPrivate: config.httpAllowPrivate }),
  }, {
    backoffMs: config.webhookBackoffMs,
    maxBackoffMs: DELIVERY_MAX_BACKOFF_MS,
    pollIntervalMs: Math.max(200, Math.min(1000, config.pollIntervalMs)),
    concurrency: 8,
    onError,
  });
}
