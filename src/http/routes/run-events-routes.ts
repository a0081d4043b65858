import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { RunEventsHeaders, RunEventsQuery, WorkflowGraphQuery, WorkflowGraphResponse } from '../../api/run-events-schemas.js';
import { RunIdParams, WorkflowIdParams } from '../../api/schemas.js';
import { systemClock, timeoutSignal } from '../../core/clock.js';
import { isTerminal } from '../../core/states.js';
import { untilSignalled, type RunEventsService } from '../../service/run-events-service.js';
import type { RunsService } from '../../service/runs-service.js';
import type { WorkflowGraphService } from '../../service/workflow-graph-service.js';
import { isTerminalStatusEvent } from '../../store/run-events.js';
import { routeSchema } from '../route-schema.js';

const BATCH = 200;

export interface RunEventRouteDeps {
  runs: RunsService;
  runEvents: RunEventsService;
  workflowGraph: WorkflowGraphService;
}

/** `GET /workflow-runs/{runId}/events` (SSE, SPEC §9) and `GET /workflows/{id}/graph` (the dashboard's step graph). */
export function registerRunEventRoutes(app: FastifyInstance, deps: RunEventRouteDeps) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get('/workflow-runs/:runId/events', routeSchema({
    operationId: 'streamWorkflowRunEvents',
    summary: 'Stream a run\'s events (Server-Sent Events)',
    description:
      'Replays the stored events after `Last-Event-ID` (or `after`, or from the start), then follows live and closes after the ' +
      'terminal `run.status`. Each event has `id` (per-run sequence number), `event` (type) and `data` (JSON). A comment line ' +
      'every 15 s keeps the stream open. A slow reader whose buffer passes its cap, a stream older than 1 h and shutdown close ' +
      'the stream: resume with `Last-Event-ID`. Types: run.status, step.started, step.completed, step.failed (retry_at), ' +
      'step.waiting (reason, until), step.skipped, step.delta (streamed LLM text, until its step ends), waitpoint.opened, ' +
      'waitpoint.completed. See docs/EVENTS.md.',
    tags: ['events'],
    params: RunIdParams,
    querystring: RunEventsQuery,
    headers: RunEventsHeaders,
    response: {
      // The stream is written by hand (hijacked), so this schema only documents it.
      200: {
        description: 'text/event-stream: `id: <seq>`, `event: <type>`, `data: <json>` per event',
        content: { 'text/event-stream': { schema: Type.String({ description: 'Server-Sent Events' }) } },
      } as unknown as TSchema,
    },
    errors: ['not_found'],
  }), async (request, reply) => {
    const run = await deps.runs.getRun(request.caller.workspaceId, request.params.runId);
    const header = request.headers['last-event-id'];
    const after = header !== undefined ? Number(header) : (request.query.after ?? 0);
    await streamEvents(reply, deps, run.id, after, isTerminal(run.status));
  });

  api.get('/workflows/:workflowId/graph', routeSchema({
    operationId: 'getWorkflowGraph',
    summary: 'A workflow\'s step graph (dashboard extension)',
    description: 'Steps with their `needs` edges (a step without `needs` follows the one before it) and a `map` step\'s sub-steps as `children`.',
    tags: ['workflows'],
    params: WorkflowIdParams,
    querystring: WorkflowGraphQuery,
    response: { 200: WorkflowGraphResponse },
    errors: ['not_found'],
  }), async (request) => deps.workflowGraph.graph(request.caller.workspaceId, request.params.workflowId, request.query.version ?? null));
}

/** Writes the stream: replay after `after`, then live until the terminal status, a bound, shutdown or the client leaving. */
async function streamEvents(reply: FastifyReply, deps: RunEventRouteDeps, runId: string, after: number, endedAtConnect: boolean) {
  const { limits } = deps.runEvents;
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.write(': slipway run events\n\n');

  const left = new AbortController();
  const onClose = () => left.abort();
  raw.on('close', onClose);
  // The stream's time limit, timer-held (see timeoutSignal).
  const lifetime = timeoutSignal(systemClock, limits.maxStreamMs);
  const stop = AbortSignal.any([left.signal, deps.runEvents.shutdownSignal, lifetime.signal]);
  let pending = true;
  let wake: (() => void) | null = null;
  const unsubscribe = deps.runEvents.subscribe(runId, () => {
    pending = true;
    wake?.();
  });
  const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), limits.keepAliveMs);
  let cursor = after;
  let cut = false;
  try {
    while (!stop.aborted) {
      if (!pending) {
        await untilSignalled(stop, (resolve) => (wake = resolve));
        wake = null;
        continue;
      }
      pending = false;
      const events = await deps.runEvents.listEvents(runId, cursor, BATCH);
      let ended = false;
      for (const event of events) {
        raw.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${event.data}\n\n`);
        cursor = event.seq;
        if (isTerminalStatusEvent(event)) ended = true;
        // Past the cap, wait for the reader to catch up; one that does not is dropped (it resumes
        // with Last-Event-ID) rather than buffered without bound: at most the cap plus one event.
        if (!ended && raw.writableLength > limits.maxBufferedBytes && !(await drained(raw, stop, limits.slowReaderMs))) {
          cut = true;
          break;
        }
      }
      if (ended || cut) break;
      if (events.length === BATCH) pending = true;
      // Resuming after the end of a finished run: nothing more will come.
      else if (events.length === 0 && endedAtConnect) break;
    }
  } catch (error) {
    reply.log.warn({ err: error }, 'run event stream failed');
  } finally {
    unsubscribe();
    clearInterval(keepAlive);
    lifetime.cancel();
    raw.off('close', onClose);
    // A reader cut off at the cap gets no more bytes: what it has not read is freed at once (it
    // resumes after the last whole event it saw). Everyone else gets the buffered rest, then the end.
    if (cut) raw.destroy();
    else raw.end();
  }
}

/** True once `raw` has drained its buffer; false after `timeoutMs` or when `stop` aborts. */
function drained(raw: NodeJS.WritableStream, stop: AbortSignal, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (value: boolean) => {
      clearTimeout(timer);
      raw.off('drain', onDrain);
      stop.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onDrain = () => finish(true);
    const onAbort = () => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    raw.on('drain', onDrain);
    stop.addEventListener('abort', onAbort, { once: true });
  });
}
