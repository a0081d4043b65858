import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ListSecretsResponse, PutSecretBody, SecretNameParams, SecretSchema } from '../../api/secret-schemas.js';
import type * as Wire from '../../api/secret-schemas.js';
import { toIso, toIsoOrNull } from '../../core/clock.js';
import type { SecretsService } from '../../service/secrets-service.js';
import type { StoredSecret } from '../../store/store.js';
import { errorResponses } from './responses.js';

/** SPEC §13: workspace secrets, write-only. */
export function registerSecretRoutes(app: FastifyInstance, deps: { secrets: SecretsService }) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['secrets'];

  api.put('/secrets/:name', {
    schema: {
      operationId: 'putSecret',
      summary: 'Set a secret',
      description: 'Creates or replaces a workspace secret, encrypted at rest (AES-256-GCM). Steps use it as `{{ secrets.NAME }}`; no answer ever contains the value.',
      tags, params: SecretNameParams, body: PutSecretBody,
      response: { 200: SecretSchema, ...errorResponses(400, 409, 413, 415) },
    },
  }, async (request) => toSecretResponse(await deps.secrets.putSecret(request.caller.workspaceId, request.params.name, request.body.value)));

  api.get('/secrets', {
    schema: { operationId: 'listSecrets', summary: 'List secrets (names and dates only)', tags, response: { 200: ListSecretsResponse, ...errorResponses() } },
  }, async (request) => ({ data: (await deps.secrets.listSecrets(request.caller.workspaceId)).map(toSecretResponse) }));

  api.delete('/secrets/:name', {
    schema: { operationId: 'deleteSecret', summary: 'Delete a secret', tags, params: SecretNameParams, response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses(400, 404) } },
  }, async (request, reply) => {
    await deps.secrets.deleteSecret(request.caller.workspaceId, request.params.name);
    return reply.status(204).send();
  });
}

export function toSecretResponse(secret: StoredSecret): Wire.Secret {
  return { name: secret.name, created_at: toIso(secret.createdAt), updated_at: toIso(secret.updatedAt), last_used_at: toIsoOrNull(secret.lastUsedAt) };
}
