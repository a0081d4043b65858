import { openSecret, sealSecret, type SecretSlot } from '../auth/secret-box.js';

/**
 * An endpoint's signing secret at rest (SPEC §10, §13): sealed with the server key like the
 * workspace secrets when there is one (`v1:…`), under a slot no workspace secret name can take.
 * Stored in clear (`whsec_…`) only without a key (PostgreSQL without SLIPWAY_SECRET_KEY) or when
 * it was created before sealing; `slipway secret reencrypt` seals those too.
 */
const slotOf = (workspaceId: number, endpointId: string): SecretSlot => ({ workspaceId, name: `webhook:${endpointId}` });

export function sealWebhookSecret(key: Buffer | null, workspaceId: number, endpointId: string, secret: string): string {
  return key ? sealSecret(key, slotOf(workspaceId, endpointId), secret) : secret;
}

/** The `whsec_…` secret from its stored form; throws SecretKeyError when `key` does not open it. */
export function openWebhookSecret(key: Buffer | null, workspaceId: number, endpointId: string, stored: string): string {
  if (!stored.startsWith('v1:')) return stored;
  if (!key) throw new Error(`webhook ${endpointId}'s signing secret is sealed, and no SLIPWAY_SECRET_KEY is set`);
  return openSecret(key, slotOf(workspaceId, endpointId), stored);
}
