import { Type, type Static } from '@sinclair/typebox';

/** Wire schemas of the secrets API (SPEC §13): values go in, never come out. */

export const SecretNameParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64, description: 'e.g. API_KEY: ^[A-Z][A-Z0-9_]{0,63}$', examples: ['API_KEY'] }),
});

export const PutSecretBody = Type.Object(
  { value: Type.String({ description: 'The secret value (8 to 65,536 characters); write-only: no answer ever contains it' }) },
  { additionalProperties: false },
);
export type PutSecretBody = Static<typeof PutSecretBody>;

export const SecretSchema = Type.Object({
  name: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type Secret = Static<typeof SecretSchema>;

export const ListSecretsResponse = Type.Object({ data: Type.Array(SecretSchema) });
export type ListSecretsResponse = Static<typeof ListSecretsResponse>;
