/**
 * The public API's path prefix (SPEC §1), kept literally so Slate's `status_url` values
 * and clients work unchanged. In its own module so the browser bundle of the client SDK
 * need not include the TypeBox schemas (they are only types there).
 */
export const API_PREFIX = '/workflow-service/api/public/v1';
