import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  ApplyWorkflowQuery,
  ApplyWorkflowResponse,
  DEFINITION_MEDIA_TYPES,
  DefinitionBody,
  ValidateWorkflowQuery,
  ValidateWorkflowResponse,
  WorkflowDefinitionResponse,
} from '../../api/authoring-schemas.js';
import { WorkflowIdParams } from '../../api/schemas.js';
import type { AuthoringService } from '../../service/authoring-service.js';
import { toWorkflowResponse } from '../presenters.js';
import { errorResponses } from './responses.js';

/**
 * Authoring over HTTP (SPEC §14). The definition routes take the body as text, in every
 * media type of DEFINITION_MEDIA_TYPES: the YAML parser reads JSON too and, from the text,
 * reports each error's line and column. They live in their own encapsulated scope so
 * their body parsers do not change how the other routes read JSON.
 */
export async function registerAuthoringRoutes(app: FastifyInstance, deps: { authoring: AuthoringService }) {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser([...DEFINITION_MEDIA_TYPES], { parseAs: 'string' }, (_request, body, done) => done(null, body));
    const api = scope.withTypeProvider<TypeBoxTypeProvider>();

    api.put('/workflows/:workflowId', {
      schema: {
        operationId: 'applyWorkflow',
        summary: 'Create or update a workflow from its definition (Slipway extension)',
        description:
          'The body is the workflow file, YAML or JSON. A file `id` different from the path\'s is an error; a file without `id` takes the path\'s. ' +
          'With `publish=true`, a new immutable version is published and made the default, unless the definition equals the default version ' +
          '(then `publishedVersion` is null). Definition errors answer 400 `invalid_definition` with details `{path, line, column, message}`.',
        tags: ['authoring'],
        params: WorkflowIdParams,
        querystring: ApplyWorkflowQuery,
        consumes: [...DEFINITION_MEDIA_TYPES],
        body: DefinitionBody,
        response: { 200: ApplyWorkflowResponse, 201: ApplyWorkflowResponse, ...errorResponses(400, 413, 415) },
      },
    }, async (request, reply) => {
      const applied = await deps.authoring.applyDefinition({
        workspaceId: request.caller.workspaceId,
        workflowId: request.params.workflowId,
        text: request.body,
        publish: request.query.publish ?? false,
      });
      return reply.status(applied.created ? 201 : 200).send({ ...toWorkflowResponse(applied.view), publishedVersion: applied.publishedVersion });
    });

    api.post('/workflows/validate', {
      schema: {
        operationId: 'validateWorkflow',
        summary: 'Validate a workflow definition without storing it (Slipway extension)',
        description: 'Answers 200 with every problem apply would report, each with its severity, path, line and column. Stores nothing.',
        tags: ['authoring'],
        querystring: ValidateWorkflowQuery,
        consumes: [...DEFINITION_MEDIA_TYPES],
        body: DefinitionBody,
        response: { 200: ValidateWorkflowResponse, ...errorResponses(413, 415) },
      },
    }, async (request) => deps.authoring.validateDefinition(request.body, { expectedId: request.query.workflow_id }));
  });

  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get('/workflows/:workflowId/definition', {
    schema: {
      operationId: 'getWorkflowDefinition',
      summary: 'Get a workflow\'s definitions (Slipway extension)',
      description: 'The last applied definition (`draft`) and the default version\'s (`published`, null while unpublished), as JSON. Comments of the applied file are not kept.',
      tags: ['authoring'],
      params: WorkflowIdParams,
      response: { 200: WorkflowDefinitionResponse, ...errorResponses(404) },
    },
  }, async (request) => deps.authoring.getDefinitions(request.caller.workspaceId, request.params.workflowId));
}

/** The definition's JSON Schema, without a token (like the OpenAPI document): editors fetch it. */
export function registerDefinitionSchemaRoute(app: FastifyInstance, prefix: string, deps: { authoring: AuthoringService }) {
  app.get(`${prefix}/schemas/workflow.json`, {
    schema: {
      operationId: 'getWorkflowJsonSchema',
      summary: 'The JSON Schema of workflow definition files (no token needed)',
      description: 'Generated from the schemas apply validates with, including this server\'s host step types. The same file ships as schemas/workflow.schema.json.',
      tags: ['authoring'],
      security: [],
      response: { 200: Type.Object({}, { additionalProperties: true, description: 'A JSON Schema (draft 2020-12)' }) },
    },
  }, async () => deps.authoring.definitionJsonSchema());
}
