import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../src/core/errors.js';
import { startTestServer, type TestServer } from './support/test-server.js';

describe('definition validation at apply time names the place of each error', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ concurrency: 0 });
  });
  after(() => t.close());

  async function errorsOf(yaml: string): Promise<{ path: string; message: string }[]> {
    try {
      await t.services.workflows.applyWorkflow({ workspaceId: t.workspaceId, text: yaml, publish: true });
    } catch (error) {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'invalid_definition');
      // line and column are fields of each detail (SPEC §14); shown here the way the CLI prints them
      return (error.details ?? []).map((d) => ({ path: d.path, message: d.line != null ? `line ${d.line}, column ${d.column}: ${d.message}` : d.message }));
    }
    assert.fail('the definition was accepted');
  }

  it('accepts the example definition of SPEC §5', async () => {
    const result = await t.services.workflows.applyWorkflow({ workspaceId: t.workspaceId, publish: true, text: `
id: brand-brief
name: Brand brief
description: Summarise a brand's home page
categories: [marketing]
emoji: "📝"
color: "#4f7cff"
readme: |
  Markdown shown in the dashboard.
inputs:
  - variableName: brandDomain
    label: Brand domain
    type: text
    required: true
outputType: json
timeout: 10m
steps:
  - id: page
    type: http
    with: { url: "https://{{ inputs.brandDomain }}", method: GET }
    retry: { maxAttempts: 3, backoff: exponential, delay: 1s }
    timeout: 20s
  - id: summary
    type: llm
    needs: [page]
    with:
      model: gpt-4o-mini
      prompt: "Summarise for a marketer: {{ $substring(steps.page.output.body, 0, 4000) }}"
  - id: result
    type: transform
    needs: [summary]
    if: "{{ steps.page.output.status = 200 }}"
    with:
      value: { domain: "{{ inputs.brandDomain }}", summary: "{{ steps.summary.output.text }}" }
output: "{{ steps.result.output }}"
` });
    assert.equal(result.publishedVersion, 1);
  });

  it('reports an unknown step type, a duplicate id, a missing need and a with key the type does not accept', async () => {
    const errors = await errorsOf(`name: Broken
steps:
  - id: a
    type: teleport
  - id: a
    type: transform
    with: { value: 1 }
  - id: b
    type: http
    needs: [ghost]
    with: { url: "https://example.com", verb: GET }
`);
    const byPath = Object.fromEntries(errors.map((e) => [e.path, e.message]));
    assert.match(byPath['steps[0].type']!, /^line 4, column 11: unknown step type "teleport"; known types: transform, delay, fail, http, llm, map, workflow/);
    assert.match(byPath['steps[1].id']!, /^line 5, column 9: duplicate step id "a"/);
    assert.match(byPath['steps[2].needs[0]']!, /^line 10, column 13: needs "ghost", which is not a step of this workflow/);
    assert.match(byPath['steps[2].with.verb']!, /^line 11, column \d+: step type "http" does not accept with.verb/);
  });

  it('reports a cycle and a step that needs itself', async () => {
    const cycle = await errorsOf(`name: Cycle
steps:
  - { id: a, type: transform, needs: [c], with: { value: 1 } }
  - { id: b, type: transform, needs: [a], with: { value: 1 } }
  - { id: c, type: transform, needs: [b], with: { value: 1 } }
`);
    assert.equal(cycle.length, 1);
    assert.equal(cycle[0]!.path, 'steps[0].needs');
    assert.match(cycle[0]!.message, /line 3, .*steps form a cycle: a -> c -> b -> a/);
    const self = await errorsOf(`name: Self\nsteps:\n  - { id: a, type: transform, needs: [a], with: { value: 1 } }\n`);
    assert.match(self[0]!.message, /step "a" needs itself/);
  });

  it('reports expressions that do not parse, in with, if and output', async () => {
    const errors = await errorsOf(`name: Expressions
steps:
  - id: a
    type: transform
    if: "{{ inputs.x = }}"
    with: { value: { deep: ["ok", "{{ ((1 }}"] } }
output: "{{ steps.a.output ( }}"
`);
    const paths = errors.map((e) => e.path).sort();
    assert.deepEqual(paths, ['output', 'steps[0].if', 'steps[0].with.value.deep[1]']);
    assert.ok(errors.every((e) => /does not parse/.test(e.message)));
  });

  it('validates a map\'s sub-steps like a workflow\'s, and refuses retry on map and fail', async () => {
    const errors = await errorsOf(`name: Map
steps:
  - id: each
    type: map
    retry: { maxAttempts: 2 }
    with:
      items: [1, 2]
      steps:
        - { id: x, type: nope }
        - { id: y, type: transform, needs: [z], with: { value: "{{ item + }}" }, timeout: soon }
  - { id: stop, type: fail, retry: { maxAttempts: 3 } }
  - { id: empty, type: map, with: { items: [], steps: [] } }
`);
    const byPath = Object.fromEntries(errors.map((e) => [e.path, e.message]));
    assert.match(byPath['steps[0].retry']!, /step type "map" takes no retry policy/);
    assert.match(byPath['steps[0].with.steps[0].type']!, /unknown step type "nope"/);
    assert.match(byPath['steps[0].with.steps[1].needs[0]']!, /needs "z", which is not a step of this step list/);
    assert.match(byPath['steps[0].with.steps[1].with.value']!, /does not parse/);
    assert.match(byPath['steps[0].with.steps[1].timeout']!, /"soon" is not a duration/);
    assert.match(byPath['steps[1].retry']!, /step type "fail" takes no retry policy/);
    assert.match(byPath['steps[2].with.steps']!, /must be a non-empty list of steps/);
  });

  it('reports required with keys and the structure of a nested step', async () => {
    const errors = await errorsOf(`name: Required
steps:
  - { id: nap, type: delay }
  - { id: each, type: map, with: { items: [1], steps: [{ id: "bad id", type: transform, colour: red }] } }
`);
    const byPath = Object.fromEntries(errors.map((e) => [e.path, e.message]));
    assert.match(byPath['steps[0].with'] ?? byPath['steps[0]']!, /step type "delay" needs with.duration/);
    assert.ok(errors.some((e) => e.path.startsWith('steps[1].with.steps[0]')), JSON.stringify(errors));
  });
});
