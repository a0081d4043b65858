import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { API_PREFIX } from '../api/schemas.js';
import { AppError } from '../core/errors.js';
import { newUuid } from '../core/ids.js';
import type { AuthoringService } from '../service/authoring-service.js';
import type { AuthService } from '../service/auth-service.js';
import type { RunEventsService } from '../service/run-events-service.js';
import type { RunStepsService } from '../service/run-steps-service.js';
import type { RunsService } from '../service/runs-service.js';
import type { RunControlService } from '../service/run-control-service.js';
import type { BulkRuns } from '../service/bulk-runs.js';
import type { SchedulesService } from '../service/schedules-service.js';
import type { TokensService } from '../service/tokens-service.js';
import type { WorkflowGraphService } from '../service/workflow-graph-service.js';
import type { WebhooksService } from '../service/webhooks-service.js';
import type { WorkflowsService } from '../service/workflows-service.js';
import type { WaitpointsService } from '../service/waitpoints-service.js';
import { authHook, verifiedCallerOr } from './auth-hook.js';
import { registerDashboard } from './dashboard.js';
import { registerBodyParsers } from './body-parsers.js';
import { sendError, toAppError } from './error-mapping.js';
import { clientErrorHandler, frameworkErrors } from './framework-errors.js';
import { trackRouteMethods } from './method-not-allowed.js';
import { openApiOptions } from './openapi.js';
import { registerAuthoringRoutes, registerDefinitionSchemaRoute } from './routes/authoring-routes.js';
import { registerRunEventRoutes } from './routes/run-events-routes.js';
import { registerRunRoutes } from './routes/run-routes.js';
import { registerBatchRoutes } from './routes/batch-routes.js';
import type { BatchRunsService } from '../service/batch-runs-service.js';
import { registerRunControlRoutes } from './routes/run-control-routes.js';
import { registerTokenRoutes } from './routes/token-routes.js';
import { registerRunStepRoutes } from './routes/run-step-routes.js';
import { registerWebhookRoutes } from './routes/webhook-routes.js';
import { registerScheduleRoutes } from './routes/schedule-routes.js';
import { registerWorkflowRoutes } from './routes/workflow-routes.js';
import { registerWaitpointCallbackRoute, registerWaitpointRoutes } from './routes/waitpoint-routes.js';
import { refuseNulCharacters, strictValidatorCompiler } from './validation.js';
import { registerSecretRoutes } from './routes/secret-routes.js';
import type { SecretsService } from '../service/secrets-service.js';
import type { ReadinessService } from '../service/readiness-service.js';
import type { StepLogsService } from '../service/step-logs-service.js';
import { registerStepLogRoutes } from './routes/step-log-routes.js';
import { registerWorkerRoutes } from './routes/worker-routes.js';
import type { WorkersService } from '../service/workers-service.js';
import { registerWorkspaceRoutes } from './routes/workspace-routes.js';
import type { WorkspaceService } from '../service/workspace-service.js';
import { closeConnectionsWhileClosing } from './close-http.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Longest path parameter the router matches; Node refuses request lines and headers over 16 KiB anyway. */
const MAX_PARAM_LENGTH = 16 * 1024;

export interface HttpDeps {
  auth: AuthService;
  workflows: WorkflowsService;
  runs: RunsService;
  batchRuns: BatchRunsService;
  tokens: TokensService;
  webhooks: WebhooksService;
  secrets: SecretsService;
  authoring: AuthoringService;
  /** The built dashboard (index.html and assets), served at `/`; null or missing: a page saying how to build it. */
  webRoot?: string | null;
  runSteps: RunStepsService;
  schedules: SchedulesService;
  runEvents: RunEventsService;
  workflowGraph: WorkflowGraphService;
  runControl: RunControlService;
  bulkRuns: BulkRuns;
  waitpoints: WaitpointsService;
  logger: FastifyBaseLogger | false;
  /** `/readyz`: whether the database answers and is migrated. */
  readiness: ReadinessService;
  stepLogs: StepLogsService;
  workers: WorkersService;
  workspaces: WorkspaceService;
  /** Called once per answered request with its route template (SPEC §17 `slipway_http_request_duration_seconds`). */
  observeRequest?: (route: string, status: number, seconds: number) => void;
  /** Answers /healthz with 200 once true. */
  isReady?: () => boolean;
}

/** Builds the HTTP application: the public API under its Slate prefix, /healthz, the API reference and the dashboard at `/`. */
export async function buildHttpApp(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger === false ? undefined : deps.logger,
    logger: deps.logger === false ? false : undefined,
    bodyLimit: BODY_LIMIT_BYTES,
    // A caller's own X-Request-Id is kept when it is sane; otherwise a fresh UUID.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newUuid();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH, querystringParser: parseQueryString },
    frameworkErrors,
    clientErrorHandler,
    // Request logs never carry a waitpoint's callback secret (SPEC §7).
    childLoggerFactory: (logger, bindings, options) => logger.child(bindings, { ...options, serializers: { ...options.serializers, req: redactedRequest } }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(strictValidatorCompiler);
  const allowedMethods = trackRouteMethods(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  closeConnectionsWhileClosing(app);
  const observeRequest = deps.observeRequest;
  if (observeRequest) {
    // The route template, never the path (run ids would make one series per run); no route: `unmatched`.
    app.addHook('onResponse', async (request, reply) => {
      observeRequest(request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    });
  }

  registerBodyParsers(app);

  app.setErrorHandler(async (error, request, reply) => {
    const appError = toAppError(await verifiedCallerOr(request, error));
    if (appError.code === 'internal_error') request.log.error({ err: error }, 'unexpected error');
    return sendError(reply, request, appError);
  });
  const dashboardPage = await registerDashboard(app, deps.webRoot ?? null);
  app.setNotFoundHandler((request, reply) => {
    const allowed = allowedMethods(request.url.split('?')[0]!);
    if (allowed.length > 0) {
      return sendError(reply, request, new AppError('method_not_allowed', `${request.method} is not allowed here; use ${allowed.join(', ')}.`, {
        headers: { Allow: allowed.join(', ') },
      }));
    }
    if (dashboardPage(request, reply)) return reply;
    return sendError(reply, request, new AppError('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`));
  });

  await app.register(swagger, openApiOptions);
  await app.register(swaggerUi, { routePrefix: `${API_PREFIX}/docs` });
  app.get(`${API_PREFIX}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());
  registerDefinitionSchemaRoute(app, API_PREFIX, deps);

  app.get('/healthz', { schema: { hide: true } }, async (request, reply) => {
    if (deps.isReady && !deps.isReady()) return sendError(reply, request, new AppError('service_unavailable', 'Starting up.'));
    return { status: 'ok' };
  });
  // Readiness (SPEC §17): 200 when the database answers and is migrated, else 503 with the error body.
  app.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    const readiness = await deps.readiness.check();
    if (!readiness.ready) return sendError(reply, request, new AppError('service_unavailable', readiness.detail));
    return { status: 'ok' };
  });

  await app.register(
    async (api) => {
      api.addHook('onRequest', authHook(deps.auth));
      api.addHook('preValidation', refuseNulCharacters);
      registerWorkflowRoutes(api, deps);
      registerRunRoutes(api, deps);
      registerBatchRoutes(api, deps);
      registerRunControlRoutes(api, deps);
      registerTokenRoutes(api, deps);
      registerRunStepRoutes(api, deps);
      registerWebhookRoutes(api, deps);
      registerSecretRoutes(api, deps);
      registerScheduleRoutes(api, deps);
      await registerAuthoringRoutes(api, deps);
      registerRunEventRoutes(api, deps);
      registerStepLogRoutes(api, deps);
      registerWorkspaceRoutes(api, deps);
      registerWaitpointRoutes(api, deps);
      registerWorkerRoutes(api, deps);
    },
    { prefix: API_PREFIX },
  );
  // The waitpoint callback takes no bearer token: the secret in its URL is the credential (SPEC §7).
  await app.register(
    async (api) => {
      api.addHook('preValidation', refuseNulCharacters);
      registerWaitpointCallbackRoute(api, deps);
    },
    { prefix: API_PREFIX },
  );
  return app;
}

/** The request as logged: its URL with a waitpoint callback's secret replaced. */
export function redactedRequest(request: { method: string; url: string; host?: string; ip?: string }) {
  return { method: request.method, url: redactCallbackSecret(request.url), host: request.host, remoteAddress: request.ip };
}

export function redactCallbackSecret(url: string): string {
  return url.replace(/(\/waitpoints\/[^/?#]*\/callback\/)[^/?#]*/, '$1[redacted]');
}

/** Query strings as Slate's clients send them (SPEC §3): an empty parameter (`?search=`) counts as absent. */
function parseQueryString(text: string): Record<string, string | string[]> {
  const parsed: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    if (value === '' || name === '__proto__') continue;
    const existing = Object.hasOwn(parsed, name) ? parsed[name] : undefined;
    parsed[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return parsed;
}
