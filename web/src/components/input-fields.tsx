import type { InputSchemaItem } from '../../../src/api/schemas.js';

/**
 * Form fields generated from items shaped like workflow inputs: the Run form (a workflow's
 * input schema) and the approval form (a `wait` step's `fields`) share them. Every field has
 * a label; errors from the API's `details` are shown under the field whose path they name
 * (`<pathPrefix>.<variableName>`).
 */

export type FieldValues = Record<string, unknown>;

function optionList(item: InputSchemaItem): { label: string; value: string }[] {
  return (item.options ?? []).map((o) => (typeof o === 'string' ? { label: o, value: o } : o));
}

/** A `wait` step's `fields` (as written in the definition) as the items the widgets take: the label defaults to the name. */
export function toFieldItems(fields: readonly Record<string, unknown>[] | null): InputSchemaItem[] {
  return (fields ?? []).map((field) => {
    const variableName = String(field.variableName);
    return { ...(field as unknown as InputSchemaItem), id: String(field.id ?? variableName), variableName, label: String(field.label ?? variableName), required: field.required === true };
  });
}

/** The form's starting values: the definition's defaults, as the widgets hold them. */
export function initialValues(schema: InputSchemaItem[], preset?: FieldValues): FieldValues {
  const values: FieldValues = {};
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
 * Widget values → the object to send. Blank optional fields are left out; numbers stay as
 * typed when they do not parse, so the API (the one judge of validity) names the problem.
 */
export function toValues(schema: InputSchemaItem[], values: FieldValues, pathPrefix: string): { values: FieldValues; jsonErrors: Record<string, string> } {
  const out: FieldValues = {};
  const jsonErrors: Record<string, string> = {};
  for (const item of schema) {
    const value = values[item.variableName];
    switch (item.type) {
      case 'boolean':
        out[item.variableName] = value === true;
        break;
      case 'multiselect':
        if ((value as string[]).length > 0 || item.required) out[item.variableName] = value;
        break;
      case 'number':
      case 'integer': {
        const text = String(value).trim();
        if (text === '') break;
        const n = Number(text);
        out[item.variableName] = Number.isFinite(n) ? n : text;
        break;
      }
      case 'json': {
        const text = String(value).trim();
        if (text === '') break;
        try {
          out[item.variableName] = JSON.parse(text);
        } catch (e) {
          jsonErrors[`${pathPrefix}.${item.variableName}`] = `is not valid JSON (${(e as Error).message})`;
        }
        break;
      }
      default: {
        const text = String(value);
        if (text.trim() !== '') out[item.variableName] = text;
      }
    }
  }
  return { values: out, jsonErrors };
}

/** The fields of a form; `idPrefix` keeps ids unique when a page shows several forms. */
export function InputFields({ schema, values, onValue, fieldErrors, idPrefix, pathPrefix }: {
  schema: InputSchemaItem[];
  values: FieldValues;
  onValue: (name: string, value: unknown) => void;
  fieldErrors: Record<string, string>;
  idPrefix: string;
  pathPrefix: string;
}) {
  const set = onValue;
  return (
    <>
      {schema.map((item) => {
        const name = item.variableName;
        const id = `${idPrefix}-${name}`;
        const error = fieldErrors[`${pathPrefix}.${name}`];
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
    </>
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
