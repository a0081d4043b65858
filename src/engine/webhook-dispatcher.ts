import { Webhook } from 'standardwebhooks';
import type { Clock } from '../core/clock.js';
import type { ClaimedDelivery, DeliveryAttemptOutcome } from '../store/webhook-store.js';

/** What one POST to a subscriber answered: a status code, or why there was none. */
export type SendResult = { kind: 'answered'; status: number } | { kind: 'error'; message: string };

export interface WebhookDispatcherDeps {
  clock: Clock;
  /** Leases due deliveries to this dispatcher. */
  claimDue(limit: number, now: number): Promise<ClaimedDelivery[]>;
  /** Stores the body of a run event's delivery at its first attempt; false when the lease is gone. */
  freezePayload(deliveryId: string, payload: string): Promise<boolean>;
  /** The body of a run event as the API shows the run then; null when the run no longer exists. */
  runPayload(delivery: ClaimedDelivery): Promise<string | null>;
  /** Records the attempt and releases the lease; false when the lease is gone. */
  recordAttempt(deliveryId: string, outcome: DeliveryAttemptOutcome, statusCode: number | null, error: string | null, now: number): Promise<boolean>;
  /** The endpoint's `whsec_…` secret from its stored form; throws when it cannot be opened. */
  signingSecret(delivery: ClaimedDelivery): string;
  /** POSTs the signed body (10 s timeout, address guard, no redirects followed). */
  send(url: string, headers: Record<string, string>, body: string): Promise<SendResult>;
}

export interface WebhookDispatcherOptions {
  /** First wait before a retry (`SLIPWAY_WEBHOOK_BACKOFF`); doubles per attempt. */
  backoffMs: number;
  /** Longest wait between two attempts. */
  maxBackoffMs: number;
  pollIntervalMs: number;
  /** Deliveries sent at once by this process. */
  concurrency: number;
  onError?: (error: unknown) => void;
}

/**
 * The webhook outbox's sender (SPEC §10): claims due deliveries with a lease (like runs),
 * signs each per Standard Webhooks with the endpoint's secret and the delivery id as
 * `webhook-id` (the same on every attempt), and records the outcome: 2xx delivered;
 * anything else retried with exponential back-off until 24 h after the delivery was
 * recorded, then failed. A dispatcher that dies mid-attempt leaves the lease to expire;
 * the delivery is then sent again (at least once).
 */
export function createWebhookDispatcher(deps: WebhookDispatcherDeps, options: WebhookDispatcherOptions) {
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<void> | null = null;

  /** The wait before attempt `attempts + 1` (attempts already made ≥ 1). */
  function backoff(attempts: number): number {
    return Math.min(options.maxBackoffMs, options.backoffMs * 2 ** Math.max(0, attempts - 1));
  }

  /** Retried with back-off until the delivery's retry window ends, then failed. */
  function afterFailedAttempt(delivery: ClaimedDelivery, now: number): DeliveryAttemptOutcome {
    const nextAttemptAt = now + backoff(delivery.attempts + 1);
    return nextAttemptAt > delivery.giveUpAt ? { kind: 'failed' } : { kind: 'retry', nextAttemptAt };
  }

  async function deliver(delivery: ClaimedDelivery): Promise<void> {
    let secret: string;
    try {
      secret = deps.signingSecret(delivery);
    } catch (error) {
      // E.g. SLIPWAY_SECRET_KEY changed without `slipway secret reencrypt`: retried, so it goes out once the key is right.
      const now = deps.clock.now();
      await deps.recordAttempt(delivery.id, afterFailedAttempt(delivery, now), null, `cannot sign: ${(error as Error).message}`, now);
      return;
    }
    let body = delivery.payload;
    if (body === null) {
      body = await deps.runPayload(delivery);
      if (body === null) {
        await deps.recordAttempt(delivery.id, { kind: 'failed' }, null, 'the run no longer exists', deps.clock.now());
        return;
      }
      if (!(await deps.freezePayload(delivery.id, body))) return;
    }
    const sentAt = deps.clock.now();
    const signature = new Webhook(secret.replace(/^whsec_/, '')).sign(delivery.id, new Date(sentAt), body);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Slipway-Webhooks',
      'webhook-id': delivery.id,
      'webhook-timestamp': String(Math.floor(sentAt / 1000)),
      'webhook-signature': signature,
    };
    const result = await deps.send(delivery.url, headers, body);
    const now = deps.clock.now();
    const statusCode = result.kind === 'answered' ? result.status : null;
    const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
    const error = ok ? null : result.kind === 'error' ? result.message : `answered HTTP ${statusCode}`;
    const outcome: DeliveryAttemptOutcome = ok ? { kind: 'delivered' } : afterFailedAttempt(delivery, now);
    await deps.recordAttempt(delivery.id, outcome, statusCode, error, now);
  }

  async function tick() {
    const free = options.concurrency - inFlight.size;
    if (free <= 0 || stopped) return;
    let claimed: ClaimedDelivery[];
    try {
      claimed = await deps.claimDue(free, deps.clock.now());
    } catch (error) {
      options.onError?.(error);
      return;
    }
    for (const delivery of claimed) {
      const work: Promise<void> = deliver(delivery)
        .catch((error: unknown) => options.onError?.(error))
        .finally(() => {
          inFlight.delete(work);
          // A slot came free: a full claim suggests more is due.
          if (claimed.length === free) wake();
        });
      inFlight.add(work);
    }
  }

  function schedule(ms: number) {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      ticking = tick().finally(() => {
        ticking = null;
        schedule(options.pollIntervalMs);
      });
    }, ms);
    timer.unref();
  }

  /** Look for due deliveries now (e.g. after this process recorded one). */
  function wake() {
    if (!ticking) schedule(0);
  }

  return {
    start() {
      schedule(0);
    },
    wake,
    /** Stops claiming and waits for attempts under way (each is bounded by the send timeout). */
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await ticking;
      await Promise.all([...inFlight]);
    },
  };
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
