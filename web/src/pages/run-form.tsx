import { useState } from 'preact/hooks';
import type { InputSchemaItem } from '../../../src/api/schemas.js';
import { useApp } from '../app-context.js';
import { ErrorBox } from '../components/states.js';
import { navigate } from '../router.js';
import { SlipwayApiError } from '../session.js';

type Values = Record<string, unknown>;

function optionList(item: InputSchemaItem): { label: string; value: string }[] {
  return (item.options ?? []).map((o) => (typeof o === 'string' ? { label: o, value: o } : o));
}

/** The form's starting values: the definition's defaults, as the widgets hold them. */
function initialValues(schema: InputSchemaItem[], preset: Values | undefined): Values {
  const values: Values = {};
  for (const item of schema) {
    const given = preset && item.variableName in preset ? preset[item.variableName] : item.default;
    if (item.type === 'boolean') values[item.variableName] = given === true;
    else if (item.type === 'multiselect') values[item.variableName] = Array.isArray(given) ? given.map(String) : [];
    else if (item.type === 'json') values[item.variableName] = given === undefined ? '' : JSON.stringify(given, null, 2);
    else values[item.variableName] = given === undefined || given === null ? '' : String(given);
  }
  return values;
}

/**
 * Widget values → the `inputs` object. Blank optional fields are left out; numbers stay
 * as typed when they do not parse, so the API (the one judge of validity) names the problem.
 */
function toInputs(schema: InputSchemaItem[], values: Values): { inputs: Values; jsonErrors: Record<string, string> } {
  const inputs: Values = {};
  const jsonErrors: Record<string, string> = {};
  for (const item of schema) {
    const value = values[item.variableName];
    switch (item.type) {
      case 'boolean':
        inputs[item.variableName] = value === true;
        break;
      case 'multiselect':
        if ((value as string[]).length > 0 || item.required) inputs[item.variableName] = value;
        break;
      case 'number':
      case 'integer': {
        const text = String(value).trim();
        if (text === '') break;
        const n = Number(text);
        inputs[item.variableName] = Number.isFinite(n) ? n : text;
        break;
      }
      case 'json': {
        const text = String(value).trim();
        if (text === '') break;
        try {
          inputs[item.variableName] = JSON.parse(text);
        } catch (e) {
          jsonErrors[`inputs.${item.variableName}`] = `is not valid JSON (${(e as Error).message})`;
        }
        break;
      }
      default: {
        const text = String(value);
        if (text.trim() !== '') inputs[item.variableName] = text;
      }
    }
  }
  return { inputs, jsonErrors };
}

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
    const { inputs, jsonErrors } = toInputs(schema, values);
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
      {schema.map((item) => {
        const name = item.variableName;
        const id = `input-${name}`;
        const error = fieldErrors[`inputs.${name}`];
        const describedBy = [item.description ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
        const common = { id, name, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined, 'aria-required': item.required || undefined };
        return (
          <div class={`field${error ? ' has-error' : ''}`} key={name}>
            {item.type === 'boolean' ? (
              <label class="checkbox">
                <input {...common} type="checkbox" checked={values[name] === true} onChange={(e) => set(name, (e.target as HTMLInputElement).checked)} />
                {item.label}
              </label>
            ) : item.type === 'multiselect' ? (
              <fieldset aria-describedby={describedBy}>
                <legend>
                  {item.label}
                  {item.required ? <Required /> : null}
                </legend>
                {optionList(item).map((option) => {
                  const chosen = values[name] as string[];
                  return (
                    <label class="checkbox" key={option.value}>
                      <input
                        type="checkbox"
                        name={name}
                        value={option.value}
                        checked={chosen.includes(option.value)}
                        onChange={(e) =>
                          set(name, (e.target as HTMLInputElement).checked ? [...chosen, option.value] : chosen.filter((v) => v !== option.value))
                        }
                      />
                      {option.label}
                    </label>
                  );
                })}
              </fieldset>
            ) : (
              <>
                <label for={id}>
                  {item.label}
                  {item.required ? <Required /> : null}
                  <span class="type-hint" aria-hidden="true">
                    {item.type}
                  </span>
                </label>
                <Widget item={item} common={common} value={values[name]} onValue={(v) => set(name, v)} />
              </>
            )}
            {item.description ? (
              <p class="help" id={`${id}-help`}>
                {item.description}
              </p>
            ) : null}
            {error ? (
              <p class="field-error" id={`${id}-error`}>
                {item.label} {error}
              </p>
            ) : null}
          </div>
        );
      })}
      {formError ? <ErrorBox error={formError} /> : null}
      <button type="submit" class="button primary" disabled={submitting}>
        {submitting ? 'Starting…' : 'Run'}
      </button>
    </form>
  );
}

function Required() {
  return (
    <span class="required">
      <span aria-hidden="true"> *</span>
      <span class="sr-only"> (required)</span>
    </span>
  );
}

function Widget({ item, common, value, onValue }: { item: InputSchemaItem; common: Record<string, unknown>; value: unknown; onValue: (v: unknown) => void }) {
  const onInput = (e: Event) => onValue((e.target as HTMLInputElement).value);
  switch (item.type) {
    case 'textarea':
      return <textarea {...common} rows={4} value={String(value)} onInput={onInput} />;
    case 'json':
      return <textarea {...common} rows={5} class="mono" spellcheck={false} placeholder='{"key": "value"}' value={String(value)} onInput={onInput} />;
    case 'select':
      return (
        <select {...common} value={String(value)} onChange={(e) => onValue((e.target as HTMLSelectElement).value)}>
          <option value="">{item.required ? 'Choose…' : '(none)'}</option>
          {optionList(item).map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      );
    case 'number':
      return <input {...common} type="text" inputMode="decimal" value={String(value)} onInput={onInput} />;
    case 'integer':
      return <input {...common} type="text" inputMode="numeric" value={String(value)} onInput={onInput} />;
    case 'url':
      return <input {...common} type="url" placeholder="https://…" value={String(value)} onInput={onInput} />;
    case 'email':
      return <input {...common} type="email" value={String(value)} onInput={onInput} />;
    case 'date':
      return <input {...common} type="date" value={String(value)} onInput={onInput} />;
    default:
      return <input {...common} type="text" value={String(value)} onInput={onInput} />;
  }
}
