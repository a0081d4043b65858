import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { LineCounter, parseDocument } from 'yaml';

/**
 * The `slipway test` file format (SPEC §14): the workflow under test (a path relative to
 * the test file), optional secrets, and cases with inputs, step mocks by id and expectations.
 */

const StatusSchema = Type.Union(['COMPLETED', 'FAILED', 'CANCELED'].map((s) => Type.Literal(s)));
const StepStatusSchema = Type.Union(['COMPLETED', 'FAILED', 'SKIPPED', 'PENDING', 'RUNNING'].map((s) => Type.Literal(s)));
const ErrorExpectation = Type.Object(
  {
    code: Type.Optional(Type.String({ description: 'Equal to the error code' })),
    message: Type.Optional(Type.String({ description: 'A substring of the error message' })),
  },
  { additionalProperties: false },
);

export const MockSchema = Type.Union([
  Type.Object({ output: Type.Unknown({ description: 'The step completes with this output' }) }, { additionalProperties: false }),
  Type.Object(
    {
      error: Type.Object(
        {
          message: Type.String({ minLength: 1 }),
          retryable: Type.Optional(Type.Boolean({ description: 'Let the step\'s retry policy retry it (default false: the step fails at once)' })),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
]);
export type Mock = Static<typeof MockSchema>;

export const ExpectSchema = Type.Object(
  {
    status: Type.Optional(StatusSchema),
    error: Type.Optional(ErrorExpectation),
    output: Type.Optional(Type.Unknown({ description: 'Deep equality, or a "{{ JSONata }}" string that must be true' })),
    steps: Type.Optional(Type.Record(Type.String(), Type.Object(
      { status: Type.Optional(StepStatusSchema), output: Type.Optional(Type.Unknown()), error: Type.Optional(ErrorExpectation) },
      { additionalProperties: false },
    ))),
  },
  { additionalProperties: false },
);
export type Expectations = Static<typeof ExpectSchema>;

export const CaseSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    inputs: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    mocks: Type.Optional(Type.Record(Type.String(), MockSchema)),
    expect: Type.Optional(ExpectSchema),
  },
  { additionalProperties: false },
);
export type TestCase = Static<typeof CaseSchema>;

export const TestFileSchema = Type.Object(
  {
    workflow: Type.String({ minLength: 1, description: 'Path of the workflow file, relative to this file' }),
    secrets: Type.Optional(Type.Record(Type.String(), Type.String())),
    cases: Type.Array(CaseSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export interface LoadedTestFile {
  path: string;
  /** The workflow file's path, resolved, and its text. */
  workflowPath: string;
  workflowText: string;
  secrets: Record<string, string>;
  cases: TestCase[];
}

export type LoadResult = { ok: true; file: LoadedTestFile } | { ok: false; message: string };

/** Reads and checks a test file; a problem names its place as `line N, column M:`. */
export function loadTestFile(path: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { ok: false, message: `cannot read ${path}: ${(error as Error).message}` };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const place = (offset: number | undefined) => {
    if (offset === undefined) return '';
    const pos = lineCounter.linePos(offset);
    return `line ${pos.line}, column ${pos.col}: `;
  };
  if (doc.errors.length > 0) return { ok: false, message: `${place(doc.errors[0]!.pos[0])}${doc.errors[0]!.message.split('\n')[0]}` };
  const value: unknown = doc.toJS();
  if (!Value.Check(TestFileSchema, value)) {
    const error = Value.Errors(TestFileSchema, value).First()!;
    const segments = error.path.split('/').slice(1).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    let node: unknown = null;
    for (let n = segments.length; n >= 0 && !node; n--) node = n === 0 ? doc.contents : doc.getIn(segments.slice(0, n), true);
    const offset = (node as { range?: [number, number, number] } | null)?.range?.[0];
    return { ok: false, message: `${place(offset)}${segments.join('.') || '(file)'}: ${error.message}` };
  }
  const workflowPath = resolve(dirname(path), value.workflow);
  let workflowText: string;
  try {
    workflowText = readFileSync(workflowPath, 'utf8');
  } catch (error) {
    return { ok: false, message: `cannot read the workflow ${workflowPath}: ${(error as Error).message}` };
  }
  return { ok: true, file: { path, workflowPath, workflowText, secrets: value.secrets ?? {}, cases: value.cases } };
}
