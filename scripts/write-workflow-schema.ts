/**
 * Writes schemas/workflow.schema.json: the JSON Schema of workflow files, generated from
 * the TypeBox schemas apply validates with and the built-in step types. Run it after
 * changing either (`npm run schema`); test/workflow-json-schema.test.ts fails while the
 * file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createStepRegistry } from '../src/steps/builtin-steps.js';
import { workflowJsonSchema } from '../src/workflow/workflow-json-schema.js';

export const WORKFLOW_SCHEMA_FILE = fileURLToPath(new URL('../schemas/workflow.schema.json', import.meta.url));

export function workflowSchemaText(): string {
  return `${JSON.stringify(workflowJsonSchema(createStepRegistry()), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(WORKFLOW_SCHEMA_FILE, workflowSchemaText());
  process.stdout.write(`wrote ${WORKFLOW_SCHEMA_FILE}\n`);
}
