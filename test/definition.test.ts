import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStepRegistry } from '../src/steps/builtin-steps.js';
import { parseWorkflowDefinition, type DefinitionError } from '../src/workflow/parse-definition.js';

const stepTypes = createStepRegistry();

function errorsOf(text: string): DefinitionError[] {
  const result = parseWorkflowDefinition(text, stepTypes);
  assert.equal(result.ok, false, 'expected the definition to be refused');
  return result.ok ? [] : result.errors;
}

describe('workflow definitions: parsing and validation (SPEC §5)', () => {
  it('accepts the YAML form and the JSON form of the same definition', () => {
    const yaml = 'name: A\nsteps:\n  - id: one\n    type: transform\n    with: { value: "{{ 1 + 1 }}" }\n';
    const json = JSON.stringify({ name: 'A', steps: [{ id: 'one', type: 'transform', with: { value: '{{ 1 + 1 }}' } }] });
    const a = parseWorkflowDefinition(yaml, stepTypes);
    const b = parseWorkflowDefinition(json, stepTypes);
    assert.ok(a.ok && b.ok);
    assert.deepEqual(a.definition, b.definition);
  });

  it('names the line of an unknown step type', () => {
    const [error] = errorsOf('name: A\nsteps:\n  - id: one\n    type: teleport\n');
    assert.equal(error!.path, 'steps[0].type');
    assert.equal(error!.line, 4);
    assert.match(error!.message, /unknown step type "teleport"/);
  });

  it('refuses duplicate step ids, needs on a missing step, and cycles', () => {
    const duplicate = errorsOf('name: A\nsteps:\n  - { id: a, type: transform, with: { value: 1 } }\n  - { id: a, type: transform, with: { value: 2 } }\n');
    assert.equal(duplicate[0]!.path, 'steps[1].id');
    assert.equal(duplicate[0]!.line, 4);
    const missing = errorsOf('name: A\nsteps:\n  - id: a\n    type: transform\n    needs: [ghost]\n    with: { value: 1 }\n');
    assert.equal(missing[0]!.path, 'steps[0].needs[0]');
    assert.equal(missing[0]!.line, 5);
    assert.match(missing[0]!.message, /ghost/);
    const cycle = errorsOf(
      'name: A\nsteps:\n  - { id: a, type: transform, needs: [c], with: { value: 1 } }\n  - { id: b, type: transform, needs: [a], with: { value: 1 } }\n  - { id: c, type: transform, needs: [b], with: { value: 1 } }\n',
    );
    assert.match(cycle[0]!.message, /cycle: a -> c -> b -> a/);
  });

  it('refuses expressions that do not parse, in with, if and output', () => {
    const errors = errorsOf(
      'name: A\nsteps:\n  - id: a\n    type: transform\n    if: "{{ ) }}"\n    with:\n      value:\n        nested: ["ok", "{{ 1 + }}"]\noutput: "{{ [ }}"\n',
    );
    assert.deepEqual(errors.map((e) => e.path).sort(), ['output', 'steps[0].if', 'steps[0].with.value.nested[1]']);
    const nested = errors.find((e) => e.path === 'steps[0].with.value.nested[1]')!;
    assert.equal(nested.line, 8);
  });

  it('refuses with-fields a step type does not accept, and missing required ones', () => {
    const errors = errorsOf('name: A\nsteps:\n  - id: a\n    type: delay\n    with: { duration: 1s, color: red }\n  - id: b\n    type: transform\n');
    assert.deepEqual(errors.map((e) => e.path), ['steps[0].with.color', 'steps[1].with']);
  });

  it('refuses structural mistakes with their place: missing name, unknown keys, bad input types, bad durations', () => {
    assert.equal(errorsOf('steps:\n  - { id: a, type: transform, with: { value: 1 } }\n')[0]!.path, 'name');
    const unknown = errorsOf('name: A\nsteps:\n  - { id: a, type: transform, with: { value: 1 }, retries: 3 }\n');
    assert.equal(unknown[0]!.path, 'steps[0].retries');
    const input = errorsOf('name: A\ninputs:\n  - { variableName: x, type: colour }\nsteps:\n  - { id: a, type: transform, with: { value: 1 } }\n');
    assert.equal(input[0]!.path, 'inputs[0].type');
    assert.equal(input[0]!.line, 3);
    const select = errorsOf('name: A\ninputs:\n  - { variableName: x, type: select }\nsteps:\n  - { id: a, type: transform, with: { value: 1 } }\n');
    assert.match(select[0]!.message, /needs options/);
    const duration = errorsOf('name: A\ntimeout: soon\nsteps:\n  - { id: a, type: transform, with: { value: 1 } }\n');
    assert.equal(duration[0]!.path, 'timeout');
    assert.equal(duration[0]!.line, 2);
  });

  it('reports YAML syntax errors with their line', () => {
    const [error] = errorsOf('name: A\nsteps:\n  - id: a\n   type: [unclosed\n');
    assert.equal(typeof error!.line, 'number');
  });
});
