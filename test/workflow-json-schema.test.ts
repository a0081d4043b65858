import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { WORKFLOW_SCHEMA_FILE, workflowSchemaText } from '../scripts/write-workflow-schema.js';

const EXAMPLES = new URL('../examples/', import.meta.url);

describe('the published JSON Schema of workflow files', () => {
  it('is up to date with the TypeBox schemas and the built-in step types (run `npm run schema` when not)', () => {
    assert.equal(readFileSync(WORKFLOW_SCHEMA_FILE, 'utf8'), workflowSchemaText());
  });

  it('accepts every example, which references it for editors, and rejects what apply rejects structurally', () => {
    const schema = JSON.parse(workflowSchemaText());
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
    const examples = readdirSync(EXAMPLES).filter((f) => /\.ya?ml$/.test(f));
    assert.ok(examples.length > 0);
    for (const name of examples) {
      const text = readFileSync(new URL(name, EXAMPLES), 'utf8');
      assert.match(text.split('\n')[0]!, /^# yaml-language-server: \$schema=\.\.\/schemas\/workflow\.schema\.json$/, `${name} references the schema`);
      assert.ok(validate(parse(text)), `${name}: ${JSON.stringify(validate.errors)}`);
    }
    const bad = (value: unknown) => assert.equal(validate(value), false, JSON.stringify(value));
    bad({ name: 'x', steps: [] });
    bad({ name: 'x', steps: [{ id: 'a', type: 'http', with: { verb: 'GET', url: 'x' } }] });
    bad({ name: 'x', steps: [{ id: 'a', type: 'http', with: {} }] });
    bad({ name: 'x', steps: [{ id: 'm', type: 'map', with: { items: [], steps: [{ id: 'b', type: 'transform', with: { nope: 1 } }] } }] });
    assert.ok(validate({ name: 'x', steps: [{ id: 'a', type: 'my-host-type', with: { anything: '{{ inputs.x }}' } }] }));
  });
});
