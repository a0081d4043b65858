import pg from 'pg';

/** The channel the store NOTIFYs when runs become claimable. */
export const RUNS_QUEUED_CHANNEL = 'slipway_runs_queued';

/**
 * One dedicated connection that LISTENs for runs becoming claimable (and, with `channels`,
 * other channels such as run events) and calls `onNotify(channel, payload)`.
 * Notifications only wake idle workers early; polling stays the truth, so a lost
 * connection costs latency, never runs. When the connection drops, it reconnects with
 * capped exponential backoff until `stop()`, and wakes the listener once on reconnect
 * (anything queued meanwhile was not announced) with an empty payload on every channel.
 */
export function startQueuedListener(options: {
  connectionString: string;
  onNotify: (channel: string, payload: string) => void;
  onError?: (error: unknown) => void;
  channels?: readonly string[];
}) {
  const channels = options.channels ?? [RUNS_QUEUED_CHANNEL];
  let stopped = false;
  let client: pg.Client | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let failures = 0;

  async function connect() {
    if (stopped) return;
    const next = new pg.Client({ connectionString: options.connectionString, connectionTimeoutMillis: 10_000, keepAlive: true });
    client = next;
    let dropped = false;
    const drop = (error?: unknown) => {
      if (dropped) return;
      dropped = true;
      if (error) options.onError?.(error);
      next.end().catch(() => {});
      if (client === next) client = null;
      scheduleReconnect();
    };
    next.on('error', drop);
    next.on('end', () => drop());
    next.on('notification', (message) => options.onNotify(message.channel, message.payload ?? ''));
    try {
      await next.connect();
      for (const channel of channels) await next.query(`LISTEN ${channel}`);
      if (failures > 0) for (const channel of channels) options.onNotify(channel, '');
      failures = 0;
    } catch (error) {
      drop(error);
    }
    if (stopped) await next.end().catch(() => {});
  }

  function scheduleReconnect() {
    if (stopped || retryTimer) return;
    failures += 1;
    const delay = Math.min(30_000, 250 * 2 ** Math.min(failures, 7));
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void connect();
    }, delay);
    retryTimer.unref();
  }

  void connect();

  return {
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
