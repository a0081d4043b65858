import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService, Caller } from '../service/auth-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; set by the auth hook on every API route. */
    caller: Caller;
  }
  interface FastifyContextConfig {
    /**
     * The route may take its caller from the process's memory of the token (`authenticateHint`):
     * only a route whose write re-checks the token in its statement (the run create). Its
     * handler verifies the caller before anything else, and the error handler before any error.
     */
    callerFromHint?: boolean;
  }
}

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** onRequest hook: authenticates before the body is even read, so 401 comes before 400/413/415. */
export function authHook(auth: AuthService) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const headers = {
      authorization: header(request, 'authorization'),
      workspaceId: header(request, 'x-workspace-id'),
      organizationId: header(request, 'x-organization-id'),
    };
    request.caller = request.routeOptions.config.callerFromHint === true ? await auth.authenticateHint(headers) : await auth.authenticate(headers);
  };
}

/**
 * Before an error is answered: a caller taken from a hint is verified first, so a request with
 * a token revoked (elsewhere) since it was last read gets the 401 `authenticate` would have
 * given, not the error its request would otherwise have had.
 */
export async function verifiedCallerOr(request: FastifyRequest, error: unknown): Promise<unknown> {
  const caller = (request as Partial<FastifyRequest>).caller;
  if (!caller || caller.verified) return error;
  try {
    await caller.verify();
    return error;
  } catch (refused) {
    return refused;
  }
}
