import { InvalidArgumentError, type Command } from 'commander';
import { TOKEN_EXPIRIES, type TokenExpiry } from '../auth/tokens.js';
import { loadConfig } from '../config/config.js';
import { systemClock, toIso, toIsoOrNull } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { createServices, hostStepTypes, openStore, secretKeyOf, stepOptionsOf } from '../server.js';
import type { ApiToken, Store, Workspace } from '../store/store.js';
import { toWorkspaceResponse } from '../http/workspace-presenters.js';

type Services = ReturnType<typeof createServices>;

/** Opens the database, runs one admin action, closes it; AppErrors print their details. */
async function withStore(program: Command, action: (store: Store, services: Services) => Promise<void>) {
  const config = loadConfig({ databaseUrl: program.opts().databaseUrl });
  const store = await openStore(config.database);
  try {
    await action(store, createServices(store, systemClock, await hostStepTypes(config), stepOptionsOf(config), secretKeyOf(config)));
  } catch (error) {
    if (error instanceof AppError) {
      const details = (error.details ?? []).map((d) => `\n  ${d.path ? `${d.path}: ` : ''}${d.message}`).join('');
      throw new Error(`${error.message}${details}`);
    }
    throw error;
  } finally {
    await store.close();
  }
}

const print = (json: boolean | undefined, value: unknown, text: string) =>
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

function expiry(value: string): TokenExpiry {
  if (!(TOKEN_EXPIRIES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${TOKEN_EXPIRIES.join(', ')}`);
  return value as TokenExpiry;
}

async function requireWorkspace(store: Store, id: number): Promise<Workspace> {
  const workspace = await store.getWorkspace(id);
  if (!workspace) throw new Error(`no workspace ${id}; see \`slipway workspace list\``);
  return workspace;
}

const workspaceJson = (w: Workspace) => toWorkspaceResponse(w);

const tokenJson = (t: ApiToken) => ({
  id: t.id,
  workspace_id: t.workspaceId,
  name: t.name,
  preview: t.preview,
  created_by: t.createdBy,
  created_at: toIso(t.createdAt),
  expires_at: toIsoOrNull(t.expiresAt),
  last_used_at: toIsoOrNull(t.lastUsedAt),
  revoked_at: toIsoOrNull(t.revokedAt),
});

export function registerAdminCommands(program: Command) {
  const workspace = program.command('workspace').description('manage workspaces');
  workspace
    .command('create <name>')
    .description('create a workspace (in the first organization)')
    .option('--daily-run-limit <n>', 'runs per UTC day', wholeNumber)
    .option('--concurrent-run-limit <n>', 'runs queued or running at once', wholeNumber)
    .option('--json', 'print JSON')
    .action((name: string, options: { dailyRunLimit?: number; concurrentRunLimit?: number; json?: boolean }) =>
      withStore(program, async (store) => {
        const created = await store.createWorkspace({
          name,
          organizationId: null,
          dailyRunLimit: options.dailyRunLimit ?? null,
          concurrentRunLimit: options.concurrentRunLimit ?? null,
          now: systemClock.now(),
        });
        print(options.json, workspaceJson(created), `created workspace ${created.id} (${created.name})`);
      }),
    );
  workspace
    .command('list')
    .description('list workspaces')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      withStore(program, async (store) => {
        const all = await store.listWorkspaces();
        print(options.json, all.map(workspaceJson), all.map((w) => `${w.id}\t${w.name}`).join('\n'));
      }),
    );

  const token = program.command('token').description('manage API tokens');
  token
    .command('create')
    .description('create an API token; the token is printed once')
    .requiredOption('--workspace <id>', 'workspace id', wholeNumber)
    .requiredOption('--name <name>', 'what the token is for')
    .option('--expires <when>', `${TOKEN_EXPIRIES.join(' | ')}`, expiry, 'never' as TokenExpiry)
    .option('--created-by <who>', 'creator recorded with the token', process.env.USER ?? 'cli')
    .option('--json', 'print JSON')
    .action((options: { workspace: number; name: string; expires: TokenExpiry; createdBy: string; json?: boolean }) =>
      withStore(program, async (store, services) => {
        await requireWorkspace(store, options.workspace);
        const created = await services.tokens.createToken({ workspaceId: options.workspace, name: options.name, expires: options.expires, createdBy: options.createdBy });
        print(options.json, { ...tokenJson(created.record), token: created.token }, created.token);
      }),
    );
  token
    .command('list')
    .description("list a workspace's tokens (previews only)")
    .requiredOption('--workspace <id>', 'workspace id', wholeNumber)
    .option('--json', 'print JSON')
    .action((options: { workspace: number; json?: boolean }) =>
      withStore(program, async (store, services) => {
        await requireWorkspace(store, options.workspace);
        const tokens = await services.tokens.listTokens(options.workspace);
        const text = tokens
          .map((t) => `${t.id}\t${t.preview}\t${t.name}\t${t.revokedAt ? 'revoked' : t.expiresAt ? `expires ${toIso(t.expiresAt)}` : 'never expires'}`)
          .join('\n');
        print(options.json, tokens.map(tokenJson), text || '(no tokens)');
      }),
    );
  token
    .command('revoke <tokenId>')
    .description('revoke a token; it is refused from the next request on')
    .requiredOption('--workspace <id>', 'workspace id', wholeNumber)
    .option('--json', 'print JSON')
    .action((tokenId: string, options: { workspace: number; json?: boolean }) =>
      withStore(program, async (_store, services) => {
        const revoked = await services.tokens.revokeToken(options.workspace, tokenId);
        if (!revoked) throw new Error(`no live token ${tokenId} in workspace ${options.workspace}`);
        print(options.json, { id: tokenId, revoked: true }, `revoked ${tokenId}`);
      }),
    );
}
