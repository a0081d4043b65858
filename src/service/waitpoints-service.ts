import { timingSafeEqual } from 'node:crypto';
import { deriveFromKey } from '../auth/secret-box.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { newRunId } from '../core/ids.js';
import type { WaitpointState, Waitpoints } from '../steps/step-type.js';
import type { Store, Waitpoint, WaitpointFilter } from '../store/store.js';
import { EVENT_DEDUP_WINDOW_MS } from '../store/waitpoint-store.js';
import { waitpointEventData } from '../store/waitpoint-rows.js';
import { evaluateValue } from '../workflow/expressions.js';
import { toInputSchema, validateRunInputs } from '../workflow/inputs.js';
import type { InputDefinition } from '../workflow/definition.js';

/** `POST /events` ids are remembered this long (SPEC §7). */

export interface WaitpointsServiceDeps {
  store: Store;
  clock: Clock;
  /** The server key (SPEC §13) the callback secrets are derived from; null: callbacks are unavailable. */
  callbackKey: () => Buffer | null;
  /** SLIPWAY_PUBLIC_URL, else the address `serve` listens on (known once it listens). */
  publicUrl: () => string;
  /** The API prefix the callback URL lives under. */
  apiPrefix: string;
}

export type WaitpointView = Waitpoint & { callbackUrl: string | null; approveUrl: string };

/**
 * Waitpoints (SPEC §7): the inbox and completions for the API, and the `Waitpoints` bridge the
 * engine's `wait` steps use. Completions go through the store's guarded completion, so a
 * waitpoint completes once whoever races for it; losing answers 409 `waitpoint_not_open` (a
 * callback repeat answers 200 and changes nothing).
 */
export function createWaitpointsService(deps: WaitpointsServiceDeps) {
  const { store, clock } = deps;

  /** The callback secret: HMAC-SHA256 of the waitpoint id under the server key, base64url. Never stored. */
  function callbackSecret(waitpointId: string): string | null {
    const key = deps.callbackKey();
    return key === null ? null : deriveFromKey(key, 'waitpoint-callback', waitpointId);
  }

  function view(w: Waitpoint): WaitpointView {
    const base = deps.publicUrl().replace(/\/+$/, '');
    const secret = w.kind === 'callback' ? callbackSecret(w.id) : null;
    return {
      ...w,
      callbackUrl: secret === null ? null : `${base}${deps.apiPrefix}/waitpoints/${encodeURIComponent(w.id)}/callback/${secret}`,
      approveUrl: `${base}/approvals/${encodeURIComponent(w.id)}`,
    };
  }

  const stateOf = (w: Waitpoint): WaitpointState => {
    const v = view(w);
    return {
      id: w.id, kind: w.kind, status: w.status, decision: w.decision, data: w.data, completedBy: w.completedBy,
      completedAt: w.completedAt, expiresAt: w.expiresAt, notified: w.notifiedAt !== null, callbackUrl: v.callbackUrl, approveUrl: v.approveUrl,
    };
  };

  const bridge: Waitpoints = {
    async open(request) {
      const now = clock.now();
      const waitpoint = await store.openWaitpoint(
        { id: newRunId(), openKey: request.key, workspaceId: request.workspaceId, runId: request.runId, workflowId: request.workflowId, stepId: request.stepId,
          kind: request.kind, prompt: request.prompt, fields: request.fields, event: request.event, match: request.match, matchScope: request.matchScope,
          expiresAt: request.expiresAt, now },
        (opened) => JSON.stringify({ type: 'waitpoint.opened', timestamp: new Date(now).toISOString(), data: waitpointEventData(opened) }),
      );
      return stateOf(waitpoint);
    },
    async timeOut(workspaceId, waitpointId) {
      const result = await store.completeWaitpoint({ workspaceId, waitpointId, status: 'TIMED_OUT', decision: 'timed_out', data: null, by: null, now: clock.now() });
      if (result.kind === 'not_found') throw new Error(`waitpoint ${waitpointId} disappeared`);
      return stateOf(result.waitpoint);
    },
    async markNotified(waitpointId, error) {
      await store.markWaitpointNotified(waitpointId, clock.now(), error);
    },
  };

  async function getOrNotFound(workspaceId: number, waitpointId: string): Promise<Waitpoint> {
    const waitpoint = await store.getWaitpoint(workspaceId, waitpointId);
    if (!waitpoint) throw new AppError('not_found', `Waitpoint "${waitpointId}" not found.`);
    return waitpoint;
  }

  return {
    bridge,
    view,

    async list(workspaceId: number, filter: WaitpointFilter, page: { page: number; limit: number }) {
      const { items, total } = await store.listWaitpoints(workspaceId, filter, page);
      return { items: items.map(view), total };
    },

    async get(workspaceId: number, waitpointId: string): Promise<WaitpointView> {
      return view(await getOrNotFound(workspaceId, waitpointId));
    },

    async listForRun(workspaceId: number, runId: string): Promise<WaitpointView[]> {
      const run = await store.getRun(workspaceId, runId);
      if (!run) throw new AppError('not_found', `Run "${runId}" not found.`);
      return (await store.listRunWaitpoints(workspaceId, runId)).map(view);
    },

    /**
     * `POST /waitpoints/{id}/complete` by a token holder (`completed_by` is the token's name), or by
     * the CLI against the database (a name): approvals take a decision and `data` checked against `fields`.
     */
    async complete(workspaceId: number, waitpointId: string, body: { decision?: 'approved' | 'rejected'; data?: unknown }, caller: { tokenId: string } | { name: string }): Promise<WaitpointView> {
      const waitpoint = await getOrNotFound(workspaceId, waitpointId);
      const by = 'name' in caller ? caller.name : (await store.getToken(workspaceId, caller.tokenId))?.name ?? 'token';
      let decision: 'approved' | 'rejected' | 'received' = 'received';
      let data: unknown = body.data ?? null;
      if (waitpoint.kind === 'approval') {
        if (body.decision === undefined) throw new AppError('invalid_request', 'An approval needs a decision.', { details: [{ path: 'body.decision', message: 'is required for an approval: approved or rejected' }] });
        decision = body.decision;
        if (decision === 'approved' && waitpoint.fields !== null && waitpoint.fields.length > 0) {
          if (data !== null && (typeof data !== 'object' || Array.isArray(data))) {
            throw new AppError('invalid_inputs', 'data must be an object of the form\'s fields.', { details: [{ path: 'data', message: 'must be an object' }] });
          }
          const check = validateRunInputs(toInputSchema(waitpoint.fields as InputDefinition[]), (data ?? {}) as Record<string, unknown>);
          if (!check.ok) {
            throw new AppError('invalid_inputs', 'data does not match the waitpoint\'s fields.', { details: check.details.map((d) => ({ ...d, path: d.path.replace(/^inputs\./, 'data.') })) });
          }
          data = check.values;
        }
      } else if (body.decision !== undefined) {
        throw new AppError('invalid_request', `A ${waitpoint.kind} waitpoint takes data only.`, { details: [{ path: 'body.decision', message: `is only for approvals; this waitpoint is kind ${waitpoint.kind}` }] });
      }
      const result = await store.completeWaitpoint({ workspaceId, waitpointId, status: 'COMPLETED', decision, data, by, now: clock.now() });
      switch (result.kind) {
        case 'completed':
          return view(result.waitpoint);
        case 'not_open':
          throw new AppError('waitpoint_not_open', `Waitpoint "${waitpointId}" is ${result.waitpoint.status}, not OPEN.`);
        case 'not_found':
          throw new AppError('not_found', `Waitpoint "${waitpointId}" not found.`);
      }
    },

    /**
     * The token-less callback: the secret in the URL is the credential. Wrong, malformed or for
     * a waitpoint that is not a callback: 404 (as if it did not exist). A repeat: 200, no change.
     */
    async callback(waitpointId: string, secret: string, data: unknown): Promise<{ waitpointId: string; status: string }> {
      const expected = callbackSecret(waitpointId);
      const notFound = new AppError('not_found', 'No such callback.');
      if (expected === null || !constantTimeEqual(expected, secret)) throw notFound;
      const waitpoint = await store.findWaitpointById(waitpointId);
      if (!waitpoint || waitpoint.kind !== 'callback') throw notFound;
      const result = await store.completeWaitpoint({ workspaceId: waitpoint.workspaceId, waitpointId, status: 'COMPLETED', decision: 'received', data: data ?? null, by: 'callback', now: clock.now() });
      switch (result.kind) {
        case 'completed':
        case 'not_open':
          return { waitpointId, status: result.waitpoint.status };
        case 'not_found':
          throw notFound;
      }
    },

    /** `POST /events`: completes every OPEN event waitpoint of the workspace with that name whose `match` is true. */
    async sendEvent(workspaceId: number, event: { name: string; data: unknown; id?: string }): Promise<{ eventId: string; matched: number; replayed: boolean }> {
      const now = clock.now();
      const eventId = event.id ?? newRunId();
      if (event.id !== undefined && !(await store.recordEventId(workspaceId, event.id, now, EVENT_DEDUP_WINDOW_MS))) {
        return { eventId, matched: 0, replayed: true };
      }
      let matched = 0;
      for (const waitpoint of await store.listOpenEventWaitpoints(workspaceId, event.name)) {
        if (!(await matches(waitpoint, event.data))) continue;
        const result = await store.completeWaitpoint({ workspaceId, waitpointId: waitpoint.id, status: 'COMPLETED', decision: 'received', data: event.data ?? null, by: 'event', now });
        if (result.kind === 'completed') matched++;
      }
      return { eventId, matched, replayed: false };
    },
  };
}

/** A match expression over {data, inputs, steps, run}; one that fails to evaluate matches nothing. */
async function matches(waitpoint: Waitpoint, data: unknown): Promise<boolean> {
  if (waitpoint.match === null) return true;
  if (waitpoint.match === 'true') return true;
  if (waitpoint.match === 'false') return false;
  try {
    return Boolean(await evaluateValue(waitpoint.match, { ...(waitpoint.matchScope ?? {}), data: data ?? null }));
  } catch {
    return false;
  }
}

function constantTimeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type WaitpointsService = ReturnType<typeof createWaitpointsService>;
