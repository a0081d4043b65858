import { AppError } from '../../core/errors.js';
import type { SecretsService } from '../../service/secrets-service.js';

/**
 * Puts a test file's `secrets:` into the throwaway database (sealed under a throwaway key),
 * so `{{ secrets.NAME }}` resolves in its runs and is masked in their outputs (SPEC §13).
 */
export async function seedSecrets(input: { secrets: SecretsService; workspaceId: number; values: Record<string, string> }): Promise<{ ok: true } | { ok: false; message: string }> {
  for (const [name, value] of Object.entries(input.values)) {
    try {
      await input.secrets.putSecret(input.workspaceId, name, value);
    } catch (error) {
      if (error instanceof AppError) return { ok: false, message: `secrets.${name}: ${error.details?.[0]?.message ?? error.message}` };
      throw error;
    }
  }
  return { ok: true };
}
