import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { API_PREFIX } from '../api/schemas.js';
import { AppError } from '../core/errors.js';
import { newUuid } from '../core/ids.js';
import type { AuthoringService } from '../service/authoring-service.js';
import type { AuthService } from '../service/auth-service.js';
import type { RunStepsService } from '../service/run-steps-service.js';
import type { RunsService } from '../service/runs-service.js';
import type { TokensService } from '../service/tokens-service.js';
import type { WebhooksService } from '../service/webhooks-service.js';
import type { WorkflowsService } from '../service/workflows-service.js';
import { authHook } from './auth-hook.js';
import { registerDashboard } from './dashboard.js';
import { sendError, toAppError } from './error-mapping.js';
import { openApiOptions } from './openapi.js';
import { registerAuthoringRoutes, registerDefinitionSchemaRoute } from './routes/authoring-routes.js';
import { registerRunRoutes } from './routes/run-routes.js';
import { registerTokenRoutes } from './routes/token-routes.js';
import { registerRunStepRoutes } from './routes/run-step-routes.js';
import { registerWebhookRoutes } from './routes/webhook-routes.js';
import { registerWorkflowRoutes } from './routes/workflow-routes.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface HttpDeps {
  auth: AuthService;
  workflows: WorkflowsService;
  runs: RunsService;
  tokens: TokensService;
  webhooks: WebhooksService;
  authoring: AuthoringService;
  /** The built dashboard (index.html and assets), served at `/`; null or missing: a page saying how to build it. */
  webRoot?: string | null;
  runSteps: RunStepsService;
  logger: FastifyBaseLogger | false;
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
    ajv: { customOptions: { removeAdditional: false, useDefaults: true, coerceTypes: 'array', allErrors: true } },
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });

  // JSON is the only body type (anything else: 415), but for the definition routes, which
  // also take YAML (src/http/routes/authoring-routes.ts). An empty body with
  // Content-Type: application/json is taken as no body (e.g. POST …/cancel).
  const defaultJsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    defaultJsonParser(request, body as string, done);
  });

  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.code === 'internal_error') request.log.error({ err: error }, 'unexpected error');
    return sendError(reply, request, appError);
  });
  const dashboardPage = await registerDashboard(app, deps.webRoot ?? null);
  app.setNotFoundHandler((request, reply) => {
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

  await app.register(
    async (api) => {
      api.addHook('onRequest', authHook(deps.auth));
      registerWorkflowRoutes(api, deps);
      registerRunRoutes(api, deps);
      registerTokenRoutes(api, deps);
      registerRunStepRoutes(api, deps);
      registerWebhookRoutes(api, deps);
      await registerAuthoringRoutes(api, deps);
    },
    { prefix: API_PREFIX },
  );
  return app;
}
