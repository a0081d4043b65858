import type { Command } from 'commander';
import { createSlipwayClient, SlipwayApiError, type SlipwayClient } from '../client/slipway-client.js';
import { WEBHOOK_EVENTS, type WebhookEvent } from '../core/webhook-events.js';

/** The client for SLIPWAY_URL / SLIPWAY_TOKEN, or a clear error naming what to set. */
function remoteClient(): SlipwayClient {
  const token = process.env.SLIPWAY_TOKEN;
  if (!token) throw new Error('set SLIPWAY_TOKEN to an API token (slat_…) and SLIPWAY_URL to the server (default http://127.0.0.1:8080)');
  return createSlipwayClient({ baseUrl: process.env.SLIPWAY_URL ?? 'http://127.0.0.1:8080', token });
}

async function withApiErrors(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (error instanceof SlipwayApiError) {
      const details = (error.body.details ?? []).map((d) => `\n  ${d.path}: ${d.message}`).join('');
      throw new Error(`${error.status} ${error.body.error}: ${error.body.message}${details}`);
    }
    throw error;
  }
}

const print = (json: boolean | undefined, value: unknown, text: string) =>
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);

function parseEvents(raw: string): WebhookEvent[] {
  const events = raw.split(',').map((e) => e.trim()).filter(Boolean);
  const unknown = events.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  if (unknown.length > 0 || events.length === 0) throw new Error(`--events takes a comma-separated list of ${WEBHOOK_EVENTS.join(', ')}`);
  return events as WebhookEvent[];
}

/** `slipway webhook create|list|delete|test|deliveries|redeliver`, over HTTP (SLIPWAY_URL, SLIPWAY_TOKEN). */
export function registerWebhookCommands(program: Command) {
  const webhook = program.command('webhook').description('webhook endpoints and their deliveries, over HTTP (SLIPWAY_URL, SLIPWAY_TOKEN)');

  webhook
    .command('create <url>')
    .description('subscribe a URL to run outcomes; prints the signing secret once')
    .option('--events <list>', `comma-separated: ${WEBHOOK_EVENTS.join(', ')}`, 'run.completed,run.failed,run.canceled')
    .option('--workflow <id>', 'only runs of this workflow')
    .option('--description <text>', 'what it is for')
    .option('--json', 'print JSON')
    .action((url: string, options: { events: string; workflow?: string; description?: string; json?: boolean }) =>
      withApiErrors(async () => {
        const created = await remoteClient().createWebhook({ url, events: parseEvents(options.events), workflow_id: options.workflow, description: options.description });
        print(options.json, created, `created webhook ${created.webhook_id} → ${created.url}\nSigning secret (shown once; keep it to verify deliveries):\n\n  ${created.secret}`);
      }));

  webhook
    .command('list')
    .description('list webhook endpoints')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      withApiErrors(async () => {
        const { data } = await remoteClient().listWebhooks();
        print(options.json, data, data.map((w) => `${w.webhook_id}\t${w.url}\t${w.events.join(',')}${w.workflow_id ? `\t${w.workflow_id}` : ''}`).join('\n') || 'no webhooks');
      }));

  webhook
    .command('delete <webhookId>')
    .description('delete an endpoint; its pending deliveries are dropped')
    .action((webhookId: string) =>
      withApiErrors(async () => {
        await remoteClient().deleteWebhook(webhookId);
        process.stdout.write(`deleted webhook ${webhookId}\n`);
      }));

  webhook
    .command('test <webhookId>')
    .description('send a webhook.test event')
    .option('--json', 'print JSON')
    .action((webhookId: string, options: { json?: boolean }) =>
      withApiErrors(async () => {
        const queued = await remoteClient().testWebhook(webhookId);
        print(options.json, queued, `queued test delivery ${queued.delivery_id}`);
      }));

  webhook
    .command('deliveries <webhookId>')
    .description('the delivery log, newest first')
    .option('--page <n>', 'page', (v) => Number(v), 1)
    .option('--limit <n>', 'items per page', (v) => Number(v), 15)
    .option('--json', 'print JSON')
    .action((webhookId: string, options: { page: number; limit: number; json?: boolean }) =>
      withApiErrors(async () => {
        const result = await remoteClient().listWebhookDeliveries(webhookId, { page: options.page, limit: options.limit });
        const lines = result.data.map((d) =>
          [d.delivery_id, d.event, d.status, `attempts=${d.attempts}`, d.last_status_code ?? '-', d.last_error ?? ''].join('\t'));
        print(options.json, result, lines.join('\n') || 'no deliveries');
      }));

  webhook
    .command('redeliver <webhookId> <deliveryId>')
    .description('send a delivered or failed delivery again (same webhook-id)')
    .action((webhookId: string, deliveryId: string) =>
      withApiErrors(async () => {
        await remoteClient().redeliverWebhookDelivery(webhookId, deliveryId);
        process.stdout.write(`queued delivery ${deliveryId} again\n`);
      }));
}
