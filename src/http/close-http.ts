import type { FastifyInstance } from 'fastify';
import type { Clock } from '../core/clock.js';

/** How often idle connections are closed again while in-flight requests finish. */
const IDLE_SWEEP_MS = 100;

/**
 * Closes the HTTP side for shutdown, bounded by `graceMs`: stops accepting (new requests on
 * open connections answer 503), closes idle keep-alive connections at once and each one
 * as soon as its request in flight has been answered (those answers carry
 * `Connection: close`, see `closeConnectionsWhileClosing`), and when the grace period
 * ends destroys every connection left, open streams included. Without the sweep a
 * keep-alive connection busy at the signal stayed open for Node's keep-alive timeout
 * (72 s) and held the process. Event streams are ended before (src/server.ts).
 *
 * @example
 * await closeHttp(app, clock, config.shutdownGraceMs);
 */
export async function closeHttp(app: FastifyInstance, clock: Clock, graceMs: number): Promise<void> {
  const closed = app.close();
  const done = new AbortController();
  void closed.finally(() => done.abort());
  const deadline = clock.now() + graceMs;
  while (!done.signal.aborted) {
    if (clock.now() >= deadline) {
      app.server.closeAllConnections();
      break;
    }
    app.server.closeIdleConnections();
    await clock.sleep(IDLE_SWEEP_MS, done.signal);
  }
  await closed;
}

/** Once the app is closing, every answer asks its client to close the connection rather than keep it alive. */
export function closeConnectionsWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('Connection', 'close');
  });
}
