import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { parse } from 'yaml';
import { newWorkflowObjectId } from '../core/ids.js';
import { withRemoteOrLocal } from './remote-or-local.js';

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

/** The `id:` a definition file names, if it parses at all (the server reports it when it does not). */
function fileId(text: string): string | undefined {
  try {
    const value: unknown = parse(text);
    const id = (value as { id?: unknown } | null)?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

interface ApplyOptions {
  workspace?: number;
  publish?: boolean;
  id?: string;
  json?: boolean;
}

interface Applied {
  id: string;
  name: string;
  status: string;
  created: boolean;
  publishedVersion: number | null;
  defaultVersion: number;
}

export function registerWorkflowCommands(program: Command) {
  const workflow = program.command('workflow').description('manage workflows');
  workflow
    .command('apply <file>')
    .description('create or update a workflow from a YAML or JSON file (over HTTP with SLIPWAY_TOKEN, else against the database)')
    .option('--workspace <id>', 'workspace id (required against the database; over HTTP the token\'s)', wholeNumber)
    .option('--publish', 'publish a new immutable version and make it the default')
    .option('--id <workflowId>', 'update this workflow (when the file names no id)')
    .option('--json', 'print JSON')
    .action((file: string, options: ApplyOptions) =>
      withRemoteOrLocal(program, options, async (target) => {
        const text = readFileSync(file, 'utf8');
        const publish = options.publish ?? false;
        let applied: Applied;
        switch (target.kind) {
          case 'remote': {
            // PUT needs an id: --id, else the file's, else a new one (as apply against the database makes).
            const id = options.id ?? fileId(text) ?? newWorkflowObjectId();
            const contentType = /\.json$/i.test(file) ? 'application/json' : 'application/yaml';
            const w = await target.client.applyWorkflow(id, text, { publish, contentType });
            applied = { id: w._id, name: w.name, status: w.status, created: w.created, publishedVersion: w.publishedVersion, defaultVersion: w.defaultVersion };
            break;
          }
          case 'local': {
            if (!(await target.store.getWorkspace(target.workspaceId))) throw new Error(`no workspace ${target.workspaceId}; see \`slipway workspace list\``);
            const result = await target.services.workflows.applyWorkflow({ workspaceId: target.workspaceId, text, publish, workflowId: options.id });
            const w = result.workflow;
            applied = { id: w.id, name: w.name, status: w.status, created: result.created, publishedVersion: result.publishedVersion, defaultVersion: w.defaultVersion };
            break;
          }
        }
        const published = applied.publishedVersion !== null ? `, published version ${applied.publishedVersion}` : publish ? ', unchanged since the default version' : ' (draft)';
        process.stdout.write(options.json
          ? `${JSON.stringify({ _id: applied.id, name: applied.name, status: applied.status, created: applied.created, publishedVersion: applied.publishedVersion, defaultVersion: applied.defaultVersion }, null, 2)}\n`
          : `${applied.created ? 'created' : 'updated'} workflow ${applied.id} (${applied.name})${published}\n`);
      }),
    );
  return workflow;
}
