import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration } from '../src/core/duration.js';
import { evaluateValue } from '../src/workflow/expressions.js';
import { toInputSchema, validateRunInputs } from '../src/workflow/inputs.js';

const scope = { inputs: { name: 'Ada', n: 3, tags: ['a', 'b'] }, steps: { s: { output: { body: 'hello world', status: 200 }, status: 'COMPLETED' } }, run: { id: 'r1' } };

describe('expressions (SPEC §5)', () => {
  it('gives a whole {{ expr }} its value and type', async () => {
    assert.equal(await evaluateValue('{{ inputs.n * 2 }}', scope), 6);
    assert.deepEqual(await evaluateValue('{{ inputs.tags }}', scope), ['a', 'b']);
    assert.deepEqual(await evaluateValue('  {{ steps.s.output }}  ', scope), { body: 'hello world', status: 200 });
    assert.equal(await evaluateValue('{{ steps.s.output.status = 200 }}', scope), true);
    assert.equal(await evaluateValue('{{ inputs.missing }}', scope), null);
  });

  it('makes a string when text surrounds the expressions', async () => {
    assert.equal(await evaluateValue('Hi {{ inputs.name }}, n={{ inputs.n }}', scope), 'Hi Ada, n=3');
    assert.equal(await evaluateValue('tags: {{ inputs.tags }}', scope), 'tags: ["a","b"]');
    assert.equal(await evaluateValue('{{ $substring(steps.s.output.body, 0, 5) }}!', scope), 'hello!');
    assert.equal(await evaluateValue('[{{ inputs.missing }}]', scope), '[]');
  });

  it('evaluates recursively through lists and objects, leaving other values alone', async () => {
    const value = { a: ['{{ inputs.name }}', 1, true, null], b: { c: '{{ run.id }}' }, d: 2.5 };
    assert.deepEqual(await evaluateValue(value, scope), { a: ['Ada', 1, true, null], b: { c: 'r1' }, d: 2.5 });
  });

  it('rejects when an expression fails at run time', async () => {
    await assert.rejects(evaluateValue('{{ $undefinedFunction() }}', scope));
  });
});

describe('durations', () => {
  it('parses units and combinations', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('20s'), 20_000);
    assert.equal(parseDuration('10m'), 600_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('7d'), 604_800_000);
    assert.equal(parseDuration('1500'), 1500);
    assert.equal(parseDuration(250), 250);
    assert.equal(parseDuration('soon'), null);
    assert.equal(parseDuration('5 m'), null);
    assert.equal(parseDuration(''), null);
  });
});

describe('run inputs', () => {
  const schema = toInputSchema([
    { variableName: 'when', type: 'date' },
    { variableName: 'site', type: 'url' },
    { variableName: 'opt', type: 'text' },
  ]);
  it('accepts dates with or without a time, and http(s) URLs only', () => {
    assert.ok(validateRunInputs(schema, { when: '2026-01-27' }).ok);
    assert.ok(validateRunInputs(schema, { when: '2026-01-27T01:23:45.000Z' }).ok);
    assert.ok(!validateRunInputs(schema, { when: '2026-13-45' }).ok);
    assert.ok(validateRunInputs(schema, { site: 'http://x.org' }).ok);
    assert.ok(!validateRunInputs(schema, { site: 'ftp://x.org' }).ok);
  });
  it('treats null as not given for optional inputs', () => {
    const result = validateRunInputs(schema, { opt: null });
    assert.ok(result.ok);
    assert.deepEqual(result.ok && result.values, {});
  });
});
