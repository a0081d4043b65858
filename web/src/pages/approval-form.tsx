import { useMemo, useState } from 'preact/hooks';
import type { WaitpointResponse } from '../../../src/api/waitpoint-schemas.js';
import { useApp } from '../app-context.js';
import { initialValues, InputFields, toFieldItems, toValues, type FieldValues } from '../components/input-fields.js';
import { ErrorBox } from '../components/states.js';
import { SlipwayApiError } from '../session.js';

type Decision = 'approved' | 'rejected';

/**
 * The form of one OPEN approval: the fields of its `wait` step (every one labelled), Approve
 * and Reject. The API judges the data (`fields` apply to approvals; a rejection sends what
 * was filled in, unchecked); its per-field details are shown under the fields.
 */
export function ApprovalForm({ waitpoint, onCompleted }: { waitpoint: WaitpointResponse; onCompleted: (done: WaitpointResponse) => void }) {
  const { client } = useApp();
  const schema = useMemo(() => toFieldItems(waitpoint.fields), [waitpoint.fields]);
  const [values, setValues] = useState<FieldValues>(() => initialValues(schema));
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [busy, setBusy] = useState<Decision | null>(null);
  const set = (name: string, value: unknown) => setValues((v) => ({ ...v, [name]: value }));

  const complete = async (decision: Decision) => {
    const { values: data, jsonErrors } = toValues(schema, values, 'data');
    setFormError(null);
    if (decision === 'approved' && Object.keys(jsonErrors).length > 0) {
      setFieldErrors(jsonErrors);
      return;
    }
    setFieldErrors({});
    setBusy(decision);
    try {
      const hasData = schema.length > 0 && Object.keys(data).length > 0;
      onCompleted(await client.completeWaitpoint(waitpoint.waitpoint_id, { decision, ...(hasData && { data }) }));
    } catch (e) {
      if (e instanceof SlipwayApiError && e.body.details && e.body.details.length > 0) {
        const byField: Record<string, string> = {};
        const unplaced: string[] = [];
        for (const detail of e.body.details) {
          if (schema.some((item) => `data.${item.variableName}` === detail.path)) byField[detail.path] = detail.message;
          else unplaced.push(`${detail.path} ${detail.message}`);
        }
        setFieldErrors(byField);
        setFormError(new Error(unplaced.length > 0 ? `${e.body.message} ${unplaced.join('; ')}` : e.body.message));
      } else {
        setFormError(e);
      }
    } finally {
      setBusy(null);
    }
  };

  return (
    <form
      class="run-form approval-form"
      noValidate
      aria-label={`Decide: ${waitpoint.prompt ?? waitpoint.step_id}`}
      onSubmit={(event) => {
        event.preventDefault();
        void complete('approved');
      }}
    >
      <InputFields schema={schema} values={values} onValue={set} fieldErrors={fieldErrors} idPrefix={`wp-${waitpoint.waitpoint_id}`} pathPrefix="data" />
      {formError ? <ErrorBox error={formError} /> : null}
      <div class="actions">
        <button type="submit" class="button primary" disabled={busy !== null}>
          {busy === 'approved' ? 'Approving…' : 'Approve'}
        </button>
        <button type="button" class="button danger" disabled={busy !== null} onClick={() => void complete('rejected')}>
          {busy === 'rejected' ? 'Rejecting…' : 'Reject'}
        </button>
      </div>
    </form>
  );
}
