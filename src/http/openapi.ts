import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';

/** The OpenAPI 3.1 document, generated from the route schemas (src/api/schemas.ts). */
export const openApiOptions: FastifyDynamicSwaggerOptions = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'Slipway public workflow API',
      description:
        "Wire-compatible with Slate's public workflow-service API. Every request carries `Authorization: Bearer slat_<token>`; " +
        'every non-2xx answer has the body `{error, message, request_id, details?}` and every answer an `X-Request-Id` header.',
      version: '1.0.0',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'slat_<token>' } },
    },
    security: [{ bearerAuth: [] }],
  },
};
