import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService, Caller } from '../service/auth-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; set by the auth hook on every API route. */
    caller: Caller;
  }
}

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** onRequest hook: authenticates before the body is even read, so 401 comes before 400/413/415. */
export function authHook(auth: AuthService) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    request.caller = await auth.authenticate({
      authorization: header(request, 'authorization'),
      workspaceId: header(request, 'x-workspace-id'),
      organizationId: header(request, 'x-organization-id'),
    });
  };
}
