#!/usr/bin/env node
import { Command, Option } from 'commander';
import { registerAdminCommands } from './admin-commands.js';
import { registerRunCommand } from './run-command.js';
import { registerServeCommands } from './serve-commands.js';
import { registerWebhookCommands } from './webhook-commands.js';
import { registerWorkflowCommands } from './workflow-commands.js';

/** The `slipway` command table. Admin commands open the database; `run` goes over HTTP. */
export function buildProgram(): Command {
  const program = new Command('slipway')
    .description('Slipway: a self-hostable workflow-run service')
    .version('0.1.0')
    .showHelpAfterError()
    .addOption(new Option('--database-url <url>', 'sqlite:<path> or postgres://…').env('SLIPWAY_DATABASE_URL'));
  registerServeCommands(program);
  registerAdminCommands(program);
  registerRunCommand(program);
  registerWebhookCommands(program);
  registerWorkflowCommands(program);
  return program;
}


buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`slipway: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
