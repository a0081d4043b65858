/** Kept for routes written before src/http/route-schema.ts: error responses now come from the catalogue there. */
export { errorResponses } from '../route-schema.js';
