import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ApiTokenSchema,
  CreateTokenBody,
  CreateTokenResponse,
  ListTokensResponse,
  TokenIdParams,
} from '../../api/schemas.js';
import type { TokensService } from '../../service/tokens-service.js';
import { toApiTokenResponse } from '../presenters.js';
import { routeSchema } from '../route-schema.js';

/**
 * API tokens of the caller's workspace (dashboard extension, Settings > API Tokens).
 * Any live token of the workspace may manage the workspace's tokens, as any token may
 * run its workflows, within one rule: a token never creates or revokes a token that
 * outlives it (docs/DECISIONS.md, issue 19).
 */
export function registerTokenRoutes(app: FastifyInstance, deps: { tokens: TokensService }) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get('/tokens', routeSchema({
    operationId: 'listApiTokens',
    summary: 'List API tokens (dashboard extension)',
    description: 'All tokens of the workspace, newest first, revoked ones included. Never the token itself: only its preview.',
    tags: ['tokens'],
    response: { 200: ListTokensResponse },
  }), async (request) => {
    const tokens = await deps.tokens.listTokens(request.caller.workspaceId);
    return { data: tokens.map((token) => toApiTokenResponse(token, request.caller.tokenId)) };
  });

  api.post('/tokens', routeSchema({
    operationId: 'createApiToken',
    summary: 'Create an API token (dashboard extension)',
    description: 'The full token is in this answer only (`token`); Slipway keeps just its hash. `expires`: 7d, 30d, 90d or never. A token cannot create a token that outlives it (403 `forbidden`): a 7-day token cannot mint a never-expiring one.',
    tags: ['tokens'],
    body: CreateTokenBody,
    response: { 201: CreateTokenResponse },
    errors: ['payload_too_large', 'unsupported_media_type'],
  }), async (request, reply) => {
    const { token, record } = await deps.tokens.createTokenAsCaller({
      workspaceId: request.caller.workspaceId,
      callerTokenId: request.caller.tokenId,
      name: request.body.name,
      expires: request.body.expires as '7d' | '30d' | '90d' | 'never',
    });
    return reply.status(201).send({ ...toApiTokenResponse(record, request.caller.tokenId), token });
  });

  api.post('/tokens/:tokenId/revoke', routeSchema({
    operationId: 'revokeApiToken',
    summary: 'Revoke an API token (dashboard extension)',
    description: 'Takes effect on the token\'s next request. Revoking a revoked token answers 200 with it unchanged. A token cannot revoke a token that outlives it (403 `forbidden`); it may always revoke itself.',
    tags: ['tokens'],
    params: TokenIdParams,
    response: { 200: ApiTokenSchema },
    errors: ['not_found'],
  }), async (request) => {
    const token = await deps.tokens.revokeTokenById(request.caller.workspaceId, request.params.tokenId, request.caller.tokenId);
    return toApiTokenResponse(token, request.caller.tokenId);
  });
}
