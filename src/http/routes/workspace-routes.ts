import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { UpdateWorkspaceBody, WorkspaceSchema } from '../../api/workspace-schemas.js';
import type { WorkspaceService } from '../../service/workspace-service.js';
import { routeSchema } from '../route-schema.js';
import { toWorkspaceResponse } from '../workspace-presenters.js';

/** The caller's workspace and its settings (dashboard extension; SPEC §17 retention). */
export function registerWorkspaceRoutes(app: FastifyInstance, deps: { workspaces: WorkspaceService }) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get('/workspace', routeSchema({
    operationId: 'getWorkspace',
    summary: 'Get the workspace (dashboard extension)',
    description: 'The workspace of the calling token: its limits and how long it keeps finished runs (`retention`, per final status; null: forever).',
    tags: ['workspace'],
    response: { 200: WorkspaceSchema },
  }), async (request) => toWorkspaceResponse(await deps.workspaces.getWorkspace(request.caller.workspaceId)));

  api.patch('/workspace', routeSchema({
    operationId: 'updateWorkspace',
    summary: 'Change the workspace\'s settings (dashboard extension)',
    description:
      'Sets how long finished runs are kept after they ended, per final status: `{"retention": {"completed": "30d", "failed": "90d", "canceled": null}}`. ' +
      'A status left out keeps its setting; null keeps runs forever (the default). The retention sweeper of every process with workers ' +
      'reads the settings at each sweep (`SLIPWAY_RETENTION_INTERVAL`) and deletes expired runs with their steps, events, logs, waitpoints ' +
      'and ended webhook deliveries. An Idempotency-Key of a deleted run still answers (202, its run id and status) until 24 h after the run was created.',
    tags: ['workspace'],
    body: UpdateWorkspaceBody,
    response: { 200: WorkspaceSchema },
    errors: ['payload_too_large', 'unsupported_media_type'],
  }), async (request) => {
    const workspaceId = request.caller.workspaceId;
    const updated = request.body.retention === undefined
      ? await deps.workspaces.getWorkspace(workspaceId)
      : await deps.workspaces.updateRetention(workspaceId, request.body.retention);
    return toWorkspaceResponse(updated);
  });
}
