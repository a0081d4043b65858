import type { ListSecretsResponse, Secret } from '../api/secret-schemas.js';
import type { ClientRequest } from './webhooks-client.js';

/**
 * Secret methods of the client (SPEC §13): write-only values.
 * @example
 * await client.putSecret('API_KEY', 'sk-live-1234567890');
 */
export function secretMethods(request: ClientRequest) {
  return {
    async putSecret(name: string, value: string): Promise<Secret> {
      return (await request<Secret>('PUT', `/secrets/${encodeURIComponent(name)}`, { value })).data;
    },
    async listSecrets(): Promise<ListSecretsResponse> {
      return (await request<ListSecretsResponse>('GET', '/secrets')).data;
    },
    async deleteSecret(name: string): Promise<void> {
      await request<null>('DELETE', `/secrets/${encodeURIComponent(name)}`);
    },
  };
}
