import { useState } from 'preact/hooks';
import type { InputSchemaItem } from '../../../src/api/schemas.js';
import { useApp } from '../app-context.js';
import { ErrorBox } from '../components/states.js';
import { navigate } from '../router.js';
import { initialValues, InputFields, toValues, type FieldValues } from '../components/input-fields.js';
import { SlipwayApiError } from '../session.js';

type Values = FieldValues;

/** The "Run" form, generated from the workflow's published input schema. */
export function RunForm({ workflowId, schema, preset }: { workflowId: string; schema: InputSchemaItem[]; preset?: Values }) {
  const { client } = useApp();
  const [values, setValues] = useState<Values>(() => initialValues(schema, preset));
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [submitting, setSubmitting] = useState(false);

  const set = (name: string, value: unknown) => setValues((v) => ({ ...v, [name]: value }));

  const submit = async (event: Event) => {
    event.preventDefault();
    const { values: inputs, jsonErrors } = toValues(schema, values, 'inputs');
    setFormError(null);
    if (Object.keys(jsonErrors).length > 0) {
      setFieldErrors(jsonErrors);
      return;
    }
    setSubmitting(true);
    try {
      const created = await client.createRun(workflowId, { inputs });
      navigate(`/runs/${encodeURIComponent(created.run_id)}`);
    } catch (e) {
      if (e instanceof SlipwayApiError && e.body.details && e.body.details.length > 0) {
        const byField: Record<string, string> = {};
        const unplaced: string[] = [];
        for (const detail of e.body.details) {
          if (schema.some((item) => `inputs.${item.variableName}` === detail.path)) byField[detail.path] = detail.message;
          else unplaced.push(`${detail.path} ${detail.message}`);
        }
        setFieldErrors(byField);
        setFormError(unplaced.length > 0 ? new Error(`${e.body.message} ${unplaced.join('; ')}`) : new Error(e.body.message));
      } else {
        setFieldErrors({});
        setFormError(e);
      }
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <form class="run-form" onSubmit={submit} noValidate aria-label="Run this workflow">
      {schema.length === 0 ? <p class="muted">This workflow takes no inputs.</p> : null}
      <InputFields schema={schema} values={values} onValue={set} fieldErrors={fieldErrors} idPrefix="input" pathPrefix="inputs" />
      {formError ? <ErrorBox error={formError} /> : null}
      <button type="submit" class="button primary" disabled={submitting}>
        {submitting ? 'Starting…' : 'Run'}
      </button>
    </form>
  );
}
