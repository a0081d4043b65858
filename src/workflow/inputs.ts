import type { ErrorDetail } from '../core/errors.js';
import type { InputDefinition, InputType } from './definition.js';

/** One item of a workflow's public `inputSchema` (SPEC §3). */
export interface InputSchemaItem {
  id: string;
  type: InputType;
  label: string;
  variableName: string;
  required: boolean;
  options?: InputDefinition['options'];
  default?: unknown;
  description?: string;
}

export function toInputSchema(inputs: InputDefinition[] | undefined): InputSchemaItem[] {
  return (inputs ?? []).map((input) => ({
    id: input.id ?? input.variableName,
    type: input.type,
    label: input.label ?? input.variableName,
    variableName: input.variableName,
    required: input.required ?? false,
    ...(input.options !== undefined && { options: input.options }),
    ...(input.default !== undefined && { default: input.default }),
    ...(input.description !== undefined && { description: input.description }),
  }));
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * An ISO 8601 date (or date-time) whose fields exist: `Date.parse` takes `2026-02-30` as
 * March 2nd, so the day, hour, minute and second are checked against the calendar too.
 */
function isCalendarDate(text: string): boolean {
  const match = DATE_FIELDS.exec(text);
  if (!match || Number.isNaN(Date.parse(text))) return false;
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1).map((f) => (f === undefined ? undefined : Number(f))) as number[];
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  return month! >= 1 && month! <= 12 && day! >= 1 && day! <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59;
}
const DATE_FIELDS = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

function optionValues(item: InputSchemaItem): string[] {
  return (item.options ?? []).map((o) => (typeof o === 'string' ? o : o.value));
}

/** Why `value` is not acceptable for the input, or null when it is. */
export function checkInputValue(item: InputSchemaItem, value: unknown): string | null {
  switch (item.type) {
    case 'text':
    case 'textarea':
      return typeof value === 'string' ? null : 'must be a string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
    case 'integer':
      // Beyond 2^53 a JSON number has already been rounded by the parser: refuse it rather than keep another value.
      if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) return `must be an integer between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`;
      return Number.isInteger(value) ? null : 'must be an integer';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be a boolean';
    case 'url': {
      if (typeof value !== 'string') return 'must be a string holding a URL';
      try {
        const url = new URL(value);
        return url.protocol === 'http:' || url.protocol === 'https:' ? null : 'must be an http or https URL';
      } catch {
        return 'must be an absolute URL, e.g. https://example.com';
      }
    }
    case 'email':
      return typeof value === 'string' && EMAIL.test(value) ? null : 'must be an email address';
    case 'date':
      return typeof value === 'string' && isCalendarDate(value) ? null : 'must be an ISO 8601 date that exists, e.g. 2026-01-27';
    case 'select': {
      const allowed = optionValues(item);
      if (typeof value !== 'string') return 'must be a string';
      return allowed.includes(value) ? null : `must be one of: ${allowed.join(', ')}`;
    }
    case 'multiselect': {
      const allowed = optionValues(item);
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return 'must be a list of strings';
      const unknown = value.filter((v) => !allowed.includes(v));
      return unknown.length === 0 ? null : `has values outside the options (${unknown.join(', ')}); allowed: ${allowed.join(', ')}`;
    }
    case 'json':
      return null;
  }
}

export type InputCheck = { ok: true; values: Record<string, unknown> } | { ok: false; details: ErrorDetail[] };

/**
 * Checks a run's `inputs` against the workflow's input schema: required inputs present,
 * values of the right type, select values among the options, and unknown keys refused
 * (or dropped, when the workflow says `additionalInputs: ignore`). Missing optional
 * inputs take their `default`; `null` counts as not given.
 */
export function validateRunInputs(
  schema: InputSchemaItem[],
  inputs: Record<string, unknown>,
  options: { additionalInputs?: 'reject' | 'ignore' } = {},
): InputCheck {
  const details: ErrorDetail[] = [];
  const values: Record<string, unknown> = {};
  const known = new Set(schema.map((item) => item.variableName));
  if (options.additionalInputs !== 'ignore') {
    for (const key of Object.keys(inputs)) {
      if (!known.has(key)) details.push({ path: `inputs.${key}`, message: 'is not an input of this workflow' });
    }
  }
  for (const item of schema) {
    // Own keys only: an input named like an Object.prototype property must not read the prototype's.
    const value = Object.hasOwn(inputs, item.variableName) ? inputs[item.variableName] : undefined;
    const path = `inputs.${item.variableName}`;
    if (value === undefined || value === null) {
      if (item.default !== undefined) values[item.variableName] = item.default;
      else if (item.required) details.push({ path, message: 'is required' });
      continue;
    }
    const problem = checkInputValue(item, value);
    if (problem) details.push({ path, message: `${problem} (type ${item.type})` });
    else values[item.variableName] = value;
  }
  return details.length > 0 ? { ok: false, details } : { ok: true, values };
}
