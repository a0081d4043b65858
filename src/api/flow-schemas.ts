import { Type } from '@sinclair/typebox';

/**
 * Flow control options of a create (SPEC §12), in the create body and in batch items. Their
 * types are checked by the schema; the rest (a duration's form, not both of delay and
 * not_before, 30 days at most) by the service, as 400 `invalid_request` naming the field.
 */
export const flowCreateFields = {
  priority: Type.Optional(Type.Integer({
    minimum: 0, maximum: 86_400,
    description: 'Seconds this run moves ahead of other runs of its own workspace (0–86,400; default 0). A run is never passed by runs queued more than this much later, so nothing starves.',
  })),
  delay: Type.Optional(Type.String({ description: 'Not claimable before this long from now, e.g. "30s", "10m" (at most 30 days; not with not_before). The run is QUEUED meanwhile and counts towards the concurrent-run limit.', examples: ['30s'] })),
  not_before: Type.Optional(Type.String({ description: 'Not claimable before this ISO 8601 time with a zone (at most 30 days ahead; not with delay).' })),
  ttl: Type.Optional(Type.String({
    description: 'A run still QUEUED this long after it became claimable is never claimed: it ends CANCELED with cancel_reason "expired" (overrides the workflow\'s ttl).',
    examples: ['1h'],
  })),
};
