import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ListWorkflowVersionsResponse,
  ListWorkflowsQuery,
  ListWorkflowsResponse,
  WorkflowIdParams,
  WorkflowSchema,
} from '../../api/schemas.js';
import type { WorkflowsService } from '../../service/workflows-service.js';
import { toWorkflowResponse, toWorkflowSummary, toWorkflowVersionResponse } from '../presenters.js';
import { routeSchema } from '../route-schema.js';

export function registerWorkflowRoutes(app: FastifyInstance, deps: { workflows: WorkflowsService }) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get('/workflows', routeSchema({
    operationId: 'listWorkflows',
    summary: 'List workflows',
    description: 'Sorted by updatedAt, newest first. `search` is a case-insensitive substring of the name.',
    tags: ['workflows'],
    querystring: ListWorkflowsQuery,
    response: { 200: ListWorkflowsResponse },
  }), async (request) => {
    const page = request.query.page ?? 1;
    const limit = request.query.limit ?? 15;
    const { items, total } = await deps.workflows.listWorkflows(request.caller.workspaceId, {
      status: request.query.status,
      search: request.query.search,
      page,
      limit,
    });
    return {
      data: items.map(toWorkflowSummary),
      pagination: { page, limit, total, totalPages: Math.ceil(total / limit) },
    };
  });

  api.get('/workflows/:workflowId', routeSchema({
    operationId: 'getWorkflow',
    summary: 'Get a workflow',
    description: '`inputSchema` is present only when the workflow has a published version.',
    tags: ['workflows'],
    params: WorkflowIdParams,
    response: { 200: WorkflowSchema },
    errors: ['not_found'],
  }), async (request) => toWorkflowResponse(await deps.workflows.getWorkflow(request.caller.workspaceId, request.params.workflowId)));

  api.get('/workflows/:workflowId/versions', routeSchema({
    operationId: 'listWorkflowVersions',
    summary: 'List a workflow\'s published versions (dashboard extension)',
    description: 'Newest first; `isDefault` marks the version new runs start on. A draft-only workflow has none. Not part of Slate\'s API.',
    tags: ['workflows'],
    params: WorkflowIdParams,
    response: { 200: ListWorkflowVersionsResponse },
    errors: ['not_found'],
  }), async (request) => {
    const versions = await deps.workflows.listVersions(request.caller.workspaceId, request.params.workflowId);
    return { data: versions.map(toWorkflowVersionResponse) };
  });
}
