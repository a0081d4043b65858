import { EventEmitter } from 'node:events';

/**
 * This process's "run X has new events" signal, emitted after the commit that wrote them.
 * The store's `onRunEvents` listens to it (and, on PostgreSQL, to NOTIFY from other processes).
 */
export function createRunEventAnnouncer() {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    announce(runId: string) {
      emitter.emit('events', runId);
    },
    on(listener: (runId: string) => void): () => void {
      emitter.on('events', listener);
      return () => emitter.off('events', listener);
    },
    clear() {
      emitter.removeAllListeners();
    },
  };
}

export type RunEventAnnouncer = ReturnType<typeof createRunEventAnnouncer>;
