#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { registerAdminCommands } from './admin-commands.js';
import { registerRunCommand } from './run-command.js';
import { registerRunControlCommands } from './run-control-commands.js';
import { registerRunLogsCommand } from './run-logs-command.js';
import { registerScheduleCommands } from './schedule-commands.js';
import { registerServeCommands } from './serve-commands.js';
import { registerSecretCommands } from './secret-commands.js';
import { registerWebhookCommands } from './webhook-commands.js';
import { registerWaitpointCommands } from './waitpoint-commands.js';
import { registerTestCommand } from './test-command.js';
import { registerWorkflowCommands } from './workflow-commands.js';
import { registerWorkspaceCommands } from './workspace-commands.js';
import { registerWorkerCommands } from './worker-commands.js';

/** The `slipway` command table. Admin commands open the database; `run` goes over HTTP. */
export function buildProgram(): Command {
  const program = new Command('slipway')
    .description('Slipway: a self-hostable workflow-run service')
    .version(packageVersion())
    .showHelpAfterError()
    .addOption(new Option('--database-url <url>', 'sqlite:<path> or postgres://…').env('SLIPWAY_DATABASE_URL'));
  registerServeCommands(program);
  registerAdminCommands(program);
  registerWorkspaceCommands(program);
  registerWorkerCommands(program);
  registerRunCommand(program);
  registerRunControlCommands(program);
  registerRunLogsCommand(program);
  registerWebhookCommands(program);
  registerWaitpointCommands(program);
  registerSecretCommands(program);
  registerScheduleCommands(program);
  registerWorkflowCommands(program);
  registerTestCommand(program);
  return program;
}

/** The version in package.json, which sits one level above src/ and dist/ alike. */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}


buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`slipway: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
