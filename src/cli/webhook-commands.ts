import type { Command } from 'commander';
import type { CreatedWebhook, ListDeliveriesResponse, Webhook } from '../api/webhook-schemas.js';
import { WEBHOOK_EVENTS, type WebhookEvent } from '../core/webhook-events.js';
import { toDeliveryResponse, toWebhookResponse } from '../http/webhook-presenters.js';
import { withRemoteOrLocal } from './remote-or-local.js';

const print = (json: boolean | undefined, value: unknown, text: string) =>
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);

function parseEvents(raw: string): WebhookEvent[] {
  const events = raw.split(',').map((e) => e.trim()).filter(Boolean);
  const unknown = events.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  if (unknown.length > 0 || events.length === 0) throw new Error(`--events takes a comma-separated list of ${WEBHOOK_EVENTS.join(', ')}`);
  return events as WebhookEvent[];
}

const workspaceOption = ['--workspace <id>', 'workspace (required against the database; over HTTP the token\'s)', (v: string) => Number(v)] as const;

/**
 * `slipway webhook create|list|delete|test|deliveries|redeliver`: over HTTP when
 * SLIPWAY_TOKEN is set, against the database otherwise (see remote-or-local.ts). Against
 * the database, deliveries are recorded and sent by the next process with workers.
 */
export function registerWebhookCommands(program: Command) {
  const webhook = program.command('webhook').description('webhook endpoints and their deliveries (SPEC §10)');

  webhook
    .command('create <url>')
    .description('subscribe a URL to run outcomes; prints the signing secret once')
    .option('--events <list>', `comma-separated: ${WEBHOOK_EVENTS.join(', ')}`, 'run.completed,run.failed,run.canceled')
    .option('--workflow <id>', 'only runs of this workflow')
    .option('--description <text>', 'what it is for')
    .option(...workspaceOption)
    .option('--json', 'print JSON')
    .action((url: string, options: { events: string; workflow?: string; description?: string; workspace?: number; json?: boolean }) =>
      withRemoteOrLocal(program, options, async (target) => {
        const body = { url, events: parseEvents(options.events), workflow_id: options.workflow, description: options.description };
        let created: CreatedWebhook;
        switch (target.kind) {
          case 'remote':
            created = await target.client.createWebhook(body);
            break;
          case 'local': {
            const endpoint = await target.services.webhooks.createWebhook({ workspaceId: target.workspaceId, url, events: body.events, workflowId: body.workflow_id, description: body.description });
            created = { ...toWebhookResponse(endpoint), secret: endpoint.secret };
            break;
          }
        }
        print(options.json, created, `created webhook ${created.webhook_id} → ${created.url}\nSigning secret (shown once; keep it to verify deliveries):\n\n  ${created.secret}`);
      }));

  webhook
    .command('list')
    .description('list webhook endpoints')
    .option(...workspaceOption)
    .option('--json', 'print JSON')
    .action((options: { workspace?: number; json?: boolean }) =>
      withRemoteOrLocal(program, options, async (target) => {
        const data: Webhook[] = target.kind === 'remote'
          ? (await target.client.listWebhooks()).data
          : (await target.services.webhooks.listWebhooks(target.workspaceId)).map(toWebhookResponse);
        print(options.json, data, data.map((w) => `${w.webhook_id}\t${w.url}\t${w.events.join(',')}${w.workflow_id ? `\t${w.workflow_id}` : ''}`).join('\n') || 'no webhooks');
      }));

  webhook
    .command('delete <webhookId>')
    .description('delete an endpoint; its pending deliveries are dropped')
    .option(...workspaceOption)
    .action((webhookId: string, options: { workspace?: number }) =>
      withRemoteOrLocal(program, options, async (target) => {
        if (target.kind === 'remote') await target.client.deleteWebhook(webhookId);
        else await target.services.webhooks.deleteWebhook(target.workspaceId, webhookId);
        process.stdout.write(`deleted webhook ${webhookId}\n`);
      }));

  webhook
    .command('test <webhookId>')
    .description('queue a webhook.test event')
    .option(...workspaceOption)
    .option('--json', 'print JSON')
    .action((webhookId: string, options: { workspace?: number; json?: boolean }) =>
      withRemoteOrLocal(program, options, async (target) => {
        const queued = target.kind === 'remote'
          ? await target.client.testWebhook(webhookId)
          : await target.services.webhooks.sendTest(target.workspaceId, webhookId).then((d) => ({ delivery_id: d.id, status: d.status }));
        print(options.json, queued, `queued test delivery ${queued.delivery_id}`);
      }));

  webhook
    .command('deliveries <webhookId>')
    .description('the delivery log, newest first')
    .option('--page <n>', 'page', (v) => Number(v), 1)
    .option('--limit <n>', 'items per page', (v) => Number(v), 15)
    .option(...workspaceOption)
    .option('--json', 'print JSON')
    .action((webhookId: string, options: { page: number; limit: number; workspace?: number; json?: boolean }) =>
      withRemoteOrLocal(program, options, async (target) => {
        let result: ListDeliveriesResponse;
        if (target.kind === 'remote') {
          result = await target.client.listWebhookDeliveries(webhookId, { page: options.page, limit: options.limit });
        } else {
          const { items, total } = await target.services.webhooks.listDeliveries(target.workspaceId, webhookId, options);
          result = { data: items.map(toDeliveryResponse), pagination: { page: options.page, limit: options.limit, total, totalPages: Math.ceil(total / options.limit) } };
        }
        const lines = result.data.map((d) => [d.delivery_id, d.event, d.status, `attempts=${d.attempts}`, d.last_status_code ?? '-', d.last_error ?? ''].join('\t'));
        print(options.json, result, lines.join('\n') || 'no deliveries');
      }));

  webhook
    .command('redeliver <webhookId> <deliveryId>')
    .description('send a delivered or failed delivery again (same webhook-id)')
    .option(...workspaceOption)
    .action((webhookId: string, deliveryId: string, options: { workspace?: number }) =>
      withRemoteOrLocal(program, options, async (target) => {
        if (target.kind === 'remote') await target.client.redeliverWebhookDelivery(webhookId, deliveryId);
        else await target.services.webhooks.redeliver(target.workspaceId, webhookId, deliveryId);
        process.stdout.write(`queued delivery ${deliveryId} again\n`);
      }));
}
