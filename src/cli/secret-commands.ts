import type { Command } from 'commander';
import type { Secret } from '../api/secret-schemas.js';
import { openSecret, parseSecretKey, sealSecret } from '../auth/secret-box.js';
import { loadConfig } from '../config/config.js';
import { toSecretResponse } from '../http/routes/secret-routes.js';
import { openStore, secretKeyOf } from '../server.js';
import { openWebhookSecret, sealWebhookSecret } from '../service/webhook-signing-secret.js';
import { withRemoteOrLocal } from './remote-or-local.js';

const print = (json: boolean | undefined, value: unknown, text: string) =>
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);

/** The value from standard input (a pipe, or typed and ended with Ctrl-D); one trailing newline dropped. */
async function readValue(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Type the value, then press Enter and Ctrl-D (it is not shown anywhere afterwards):\n');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const workspaceOption = ['--workspace <id>', 'workspace (required against the database; over HTTP the token\'s)', (v: string) => Number(v)] as const;

/**
 * `slipway secret set|list|delete` (SPEC §13) over HTTP when SLIPWAY_TOKEN is set, against
 * the database otherwise; `secret reencrypt` re-seals every secret under a new key
 * (against the database only).
 */
export function registerSecretCommands(program: Command) {
  const secret = program.command('secret').description('workspace secrets for steps, write-only (SPEC §13)');

  secret
    .command('set <name>')
    .description('create or replace a secret; the value is read from standard input')
    .option(...workspaceOption)
    .option('--json', 'print JSON')
    .action((name: string, options: { workspace?: number; json?: boolean }) =>
      withRemoteOrLocal(program, options, async (target) => {
        const value = await readValue();
        const saved: Secret = target.kind === 'remote'
          ? await target.client.putSecret(name, value)
          : toSecretResponse(await target.services.secrets.putSecret(target.workspaceId, name, value));
        print(options.json, saved, `secret ${saved.name} saved`);
      }));

  secret
    .command('list')
    .description('names and dates of the workspace\'s secrets (never values)')
    .option(...workspaceOption)
    .option('--json', 'print JSON')
    .action((options: { workspace?: number; json?: boolean }) =>
      withRemoteOrLocal(program, options, async (target) => {
        const data: Secret[] = target.kind === 'remote'
          ? (await target.client.listSecrets()).data
          : (await target.services.secrets.listSecrets(target.workspaceId)).map(toSecretResponse);
        print(options.json, data, data.map((s) => `${s.name}\tupdated ${s.updated_at}\tlast used ${s.last_used_at ?? 'never'}`).join('\n') || 'no secrets');
      }));

  secret
    .command('delete <name>')
    .description('delete a secret; steps that name it then fail with SECRET_NOT_FOUND')
    .option(...workspaceOption)
    .action((name: string, options: { workspace?: number }) =>
      withRemoteOrLocal(program, options, async (target) => {
        if (target.kind === 'remote') await target.client.deleteSecret(name);
        else await target.services.secrets.deleteSecret(target.workspaceId, name);
        process.stdout.write(`secret ${name} deleted\n`);
      }));

  secret
    .command('reencrypt')
    .description('re-seal every secret of the database under the current key (SLIPWAY_SECRET_KEY or secret.key); give the old key')
    .requiredOption('--old-key <key>', 'the key the secrets are sealed with now (hex or base64); or SLIPWAY_OLD_SECRET_KEY', process.env.SLIPWAY_OLD_SECRET_KEY)
    .action(async (options: { oldKey: string }) => {
      const config = loadConfig({ databaseUrl: program.opts().databaseUrl });
      const newKey = secretKeyOf(config);
      if (!newKey) throw new Error('set SLIPWAY_SECRET_KEY to the new key');
      const oldKey = parseSecretKey(options.oldKey);
      const store = await openStore(config.database);
      try {
        const all = await store.listAllSecrets();
        const hooks = await store.listAllWebhooks();
        // Open every secret first: a wrong old key changes nothing. Signing secrets still in clear get sealed.
        const opened = all.map((s) => ({ s, value: openSecret(oldKey, s, s.sealed) }));
        const signing = hooks.map((h) => ({ h, value: openWebhookSecret(oldKey, h.workspaceId, h.id, h.secret) }));
        for (const { s, value } of opened) await store.resealSecret(s.workspaceId, s.name, sealSecret(newKey, s, value));
        for (const { h, value } of signing) await store.resealWebhookSecret(h.id, sealWebhookSecret(newKey, h.workspaceId, h.id, value));
        process.stdout.write(`re-encrypted ${opened.length} secret(s) and ${signing.length} webhook signing secret(s) under the current key\n`);
      } finally {
        await store.close();
      }
    });
}
