/** A workspace secret as stored: its value only sealed (AES-256-GCM, src/auth/secret-box.ts). */
export interface StoredSecret {
  workspaceId: number;
  name: string;
  sealed: string;
  createdAt: number;
  updatedAt: number;
  lastUsedAt: number | null;
}

/** Workspace secrets (SPEC §13). The store never sees a value in clear. */
export interface SecretStore {
  /** Creates or replaces a secret; returns it as stored (created_at kept on replace). */
  putSecret(input: { workspaceId: number; name: string; sealed: string; now: number }): Promise<StoredSecret>;
  /** Every secret of the workspace, by name. */
  listSecrets(workspaceId: number): Promise<StoredSecret[]>;
  /** False when the workspace has no secret of that name. */
  deleteSecret(workspaceId: number, name: string): Promise<boolean>;
  /** Records that a run used these secrets (at most once a minute per secret is enough). */
  markSecretsUsed(workspaceId: number, names: readonly string[], now: number): Promise<void>;
  /** Every secret of every workspace, for re-encryption under a new key. */
  listAllSecrets(): Promise<StoredSecret[]>;
  /** Replaces the sealed value only (re-encryption); false when it is gone. */
  resealSecret(workspaceId: number, name: string, sealed: string): Promise<boolean>;
}
