import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, RandomIdGenerator, type IdGenerator } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { StepStatus } from '../core/states.js';
import { formatTraceparent, type RunTraceContext } from '../core/trace-context.js';
import type { EndedRun, Run, StepAttempt } from '../store/store.js';
import { clientCallSpec } from './client-spans.js';
import type { ClientCall, Tracer } from './tracer.js';

/** Traces are on when the standard OTLP endpoint variables say where to send them (SPEC §17). */
export function tracingEnabled(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

/**
 * Makes span ids chosen by Slipway: the run span's id (and, for a run that started its trace,
 * the trace id) were made at the run's creation and stored with it, so the span exported at
 * the end must carry them. `startSpan` asks the generator synchronously, so setting the ids
 * just before the call is safe; every other span gets random ids.
 */
class StoredIds implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  private traceId: string | null = null;
  private spanId: string | null = null;

  use<T>(ids: { traceId: string; spanId: string }, start: () => T): T {
    this.traceId = ids.traceId;
    this.spanId = ids.spanId;
    try {
      return start();
    } finally {
      this.traceId = null;
      this.spanId = null;
    }
  }

  generateTraceId(): string {
    return this.traceId ?? this.random.generateTraceId();
  }

  generateSpanId(): string {
    const id = this.spanId;
    this.spanId = null;
    return id ?? this.random.generateSpanId();
  }
}

const FINAL_STEP_STATUSES = new Set<string>([StepStatus.COMPLETED, StepStatus.FAILED, StepStatus.SKIPPED]);

/**
 * The OpenTelemetry `Tracer` (SPEC §17): spans exported over OTLP/HTTP by a batch processor,
 * configured by the standard variables (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SERVICE_NAME`
 * (default `slipway`), `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`).
 * Runs created before traces (no stored trace context) get no spans.
 */
export function createOtelTracer(options: { env: NodeJS.ProcessEnv; version?: string }): Tracer {
  const ids = new StoredIds();
  const resource = defaultResource().merge(resourceFromAttributes({
    'service.name': options.env.OTEL_SERVICE_NAME || 'slipway',
    ...(options.version ? { 'service.version': options.version } : {}),
  }));
  const provider = new NodeTracerProvider({ resource, idGenerator: ids, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
  const tracer = provider.getTracer('slipway', options.version);
  /** Open spans of step attempts, by run, step and attempt. */
  const open = new Map<string, { runId: string; span: Span }>();
  const keyOf = (attempt: StepAttempt) => `${attempt.runId}\u0000${attempt.stepId}\u0000${attempt.attempt}`;

  /** The context whose parent is the run's span, as made at the run's creation (in any process). */
  const runContext = (traceContext: RunTraceContext): Context => trace.setSpanContext(ROOT_CONTEXT, {
    traceId: traceContext.traceId,
    spanId: traceContext.spanId,
    traceFlags: traceContext.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });

  function stepSpan(run: Run, attempt: StepAttempt): Span | null {
    if (!run.trace) return null;
    const key = keyOf(attempt);
    const found = open.get(key);
    if (found) return found.span;
    const span = tracer.startSpan('slipway.step', {
      startTime: attempt.startedAt,
      attributes: {
        'slipway.run_id': run.id,
        'slipway.workflow_id': run.workflowId,
        'slipway.workspace_id': run.workspaceId,
        'slipway.step_id': attempt.stepId,
        'slipway.step_type': attempt.stepType,
        'slipway.attempt': attempt.attempt,
      },
    }, runContext(run.trace));
    open.set(key, { runId: run.id, span });
    return span;
  }

  return {
    attemptSaved(run, attempt) {
      if (attempt.status === StepStatus.WAITING) {
        // A wait is one attempt across processes: its span is made again, from its recorded start, when it ends.
        open.delete(keyOf(attempt));
        return;
      }
      if (!FINAL_STEP_STATUSES.has(attempt.status)) return;
      const span = stepSpan(run, attempt);
      if (!span) return;
      open.delete(keyOf(attempt));
      span.setAttribute('slipway.step.status', attempt.status);
      if (attempt.status === StepStatus.FAILED) {
        span.setAttribute('slipway.error_code', attempt.error?.code ?? 'STEP_FAILED');
        span.setStatus({ code: SpanStatusCode.ERROR, message: attempt.error?.message ?? 'failed' });
      }
      span.end(attempt.finishedAt ?? Date.now());
    },

    clientCall(run, attempt): ClientCall | null {
      const spec = clientCallSpec(attempt.stepType, attempt.input);
      if (!spec) return null;
      const parent = stepSpan(run, attempt);
      if (!parent) return null;
      const span = tracer.startSpan(spec.name, { kind: SpanKind.CLIENT, attributes: { 'slipway.run_id': run.id, ...spec.attributes } }, trace.setSpan(ROOT_CONTEXT, parent));
      const context = span.spanContext();
      return {
        traceparent: formatTraceparent(context.traceId, context.spanId, (context.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED),
        end(outcome) {
          const result = spec.result(outcome);
          span.setAttributes(result.attributes);
          if (result.error !== null) span.setStatus({ code: SpanStatusCode.ERROR, message: result.error });
          span.end();
        },
      };
    },

    executionEnded(runId) {
      for (const [key, entry] of open) if (entry.runId === runId) open.delete(key);
    },

    runsEnded(runs) {
      for (const run of runs) if (run.trace) exportRunSpan(run, run.trace);
    },

    async shutdown() {
      open.clear();
      await provider.shutdown();
    },
  };

  /**
   * The run span, under the id made at creation: from the run's creation (so the trace shows
   * its time in the queue; `slipway.queue_wait_ms` says how long) to its final status.
   */
  function exportRunSpan(run: EndedRun, traceContext: RunTraceContext) {
    const attributes: Attributes = {
      'slipway.run_id': run.id,
      'slipway.workflow_id': run.workflowId,
      'slipway.workspace_id': run.workspaceId,
      'slipway.run.status': run.status,
    };
    if (run.startedAt !== null) attributes['slipway.queue_wait_ms'] = Math.max(0, run.startedAt - run.createdAt);
    if (run.error) attributes['slipway.error_code'] = run.error.code;
    const parent = traceContext.parentSpanId === null
      ? ROOT_CONTEXT
      : trace.setSpanContext(ROOT_CONTEXT, {
        traceId: traceContext.traceId,
        spanId: traceContext.parentSpanId,
        traceFlags: traceContext.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
        isRemote: true,
      });
    const span = ids.use(traceContext, () => tracer.startSpan('slipway.run', { kind: SpanKind.CONSUMER, startTime: run.createdAt, attributes }, parent));
    if (run.status === 'FAILED') span.setStatus({ code: SpanStatusCode.ERROR, message: run.error?.message ?? 'failed' });
    span.end(run.completedAt);
  }
}
