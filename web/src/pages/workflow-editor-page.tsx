import { useState } from 'preact/hooks';
import { stringify } from 'yaml';
import type { ApplyWorkflowResponse, Diagnostic } from '../../../src/api/authoring-schemas.js';
import { useApp } from '../app-context.js';
import { Link } from '../components/link.js';
import { ErrorBox, Loading } from '../components/states.js';
import { YamlEditor } from '../components/yaml-editor.js';
import { describeError, SlipwayApiError } from '../session.js';
import { useAsync } from '../use-async.js';

const toYaml = (definition: unknown) => stringify(definition, { lineWidth: 0 });

type SaveState =
  | { kind: 'idle' }
  | { kind: 'saving'; publish: boolean }
  | { kind: 'saved'; result: ApplyWorkflowResponse; publish: boolean }
  | { kind: 'failed'; message: string; details: Diagnostic[] };

/**
 * Edit a workflow's definition as YAML (SPEC §14): validated as you type by the server,
 * markers at each problem's line and column, the changes against the published version,
 * and Save draft / Publish through `PUT /workflows/{id}`. The text starts from the last
 * applied definition (comments of the original file are not stored).
 */
export function WorkflowEditorPage({ workflowId }: { workflowId: string }) {
  const { client } = useApp();
  const loaded = useAsync(() => client.getWorkflowDefinition(workflowId), [workflowId]);
  const [text, setText] = useState<string | null>(null);
  const [diagnostics, setDiagnostics] = useState<Diagnostic[] | null>(null);
  const [showDiff, setShowDiff] = useState(false);
  const [save, setSave] = useState<SaveState>({ kind: 'idle' });
  const [published, setPublished] = useState<{ version: number; yaml: string } | null | undefined>(undefined);

  if (loaded.error) return <section><h1>Edit {workflowId}</h1><ErrorBox error={loaded.error} onRetry={loaded.reload} /></section>;
  if (!loaded.data) return <Loading label="Loading the definition…" />;
  const initial = toYaml(loaded.data.draft);
  const current = text ?? initial;
  const base = published !== undefined ? published : loaded.data.published ? { version: loaded.data.published.version, yaml: toYaml(loaded.data.published.definition) } : null;
  const errors = (diagnostics ?? []).filter((d) => d.severity === 'error');

  const apply = async (publish: boolean) => {
    setSave({ kind: 'saving', publish });
    try {
      const result = await client.applyWorkflow(workflowId, current, { publish });
      setSave({ kind: 'saved', result, publish });
      if (result.publishedVersion !== null) setPublished({ version: result.publishedVersion, yaml: current });
    } catch (error) {
      const details = error instanceof SlipwayApiError && error.body.error === 'invalid_definition'
        ? (error.body.details ?? []).map((d) => ({ severity: 'error' as const, path: d.path, line: d.line ?? null, column: d.column ?? null, message: d.message }))
        : [];
      setSave({ kind: 'failed', message: describeError(error), details });
    }
  };

  return (
    <section class="editor-page">
      <p class="crumbs">
        <Link href={`/workflows/${encodeURIComponent(workflowId)}`}>← {workflowId}</Link>
      </p>
      <h1>Edit {workflowId}</h1>
      <div class="editor-toolbar">
        <label class="check">
          <input type="checkbox" checked={showDiff} disabled={!base} onChange={(e) => setShowDiff((e.target as HTMLInputElement).checked)} />
          {base ? `Show changes against published version ${base.version}` : 'No published version to compare with'}
        </label>
        <span class="spacer" />
        <button type="button" class="button" disabled={save.kind === 'saving'} onClick={() => apply(false)}>Save draft</button>
        <button type="button" class="button primary" disabled={save.kind === 'saving' || errors.length > 0} onClick={() => apply(true)}>Publish</button>
      </div>
      <YamlEditor
        initial={initial}
        label={`Definition of ${workflowId} (YAML)`}
        onChange={(changed) => {
          setText(changed);
          // An earlier answer is about another text now.
          setSave((state) => (state.kind === 'saving' ? state : { kind: 'idle' }));
        }}
        validate={async (t) => (await client.validateWorkflow(t, { workflowId })).diagnostics}
        onDiagnostics={setDiagnostics}
        diffAgainst={showDiff && base ? base.yaml : null}
      />
      <SaveMessage state={save} />
      <section class="card problems" aria-labelledby="problems-heading" aria-live="polite">
        <h2 id="problems-heading">Problems</h2>
        {diagnostics === null ? <p class="muted">Checking…</p> : null}
        {diagnostics !== null && diagnostics.length === 0 ? <p class="muted" data-testid="no-problems">No problems: the definition is valid.</p> : null}
        {diagnostics !== null && diagnostics.length > 0 ? <ProblemList diagnostics={diagnostics} /> : null}
      </section>
    </section>
  );
}

function ProblemList({ diagnostics }: { diagnostics: Diagnostic[] }) {
  return (
    <ul class="problem-list" data-testid="problems">
      {diagnostics.map((d, i) => (
        <li key={i} class={`problem ${d.severity}`}>
          <strong>{d.severity}</strong> {d.line !== null ? `line ${d.line}, column ${d.column}: ` : ''}
          {d.path ? <code>{d.path}</code> : null} {d.message}
        </li>
      ))}
    </ul>
  );
}

function SaveMessage({ state }: { state: SaveState }) {
  switch (state.kind) {
    case 'idle':
      return null;
    case 'saving':
      return <p class="muted" role="status">{state.publish ? 'Publishing…' : 'Saving…'}</p>;
    case 'saved': {
      const r = state.result;
      const text = r.publishedVersion !== null
        ? `Published version ${r.publishedVersion}; new runs start on it.`
        : state.publish ? `Saved. Nothing new to publish: the definition equals published version ${r.defaultVersion}.` : 'Saved as draft; runs still start on the published version.';
      return <p class="notice success" role="status" data-testid="save-message">{text}</p>;
    }
    case 'failed':
      return (
        <div class="notice error" role="alert" data-testid="save-message">
          <p>{state.message}</p>
          {state.details.length > 0 ? <ProblemList diagnostics={state.details} /> : null}
        </div>
      );
  }
}
