/**
 * List answers never carry more than a bounded body (SPEC §16): in `/workflow-runs` items
 * and `…/steps` entries, an `output` or `inputs` whose JSON is over 64 KiB is replaced by
 * `{"truncated": true, "bytes": N}`. The run's own GET and the single step's GET have it whole.
 */
export const LIST_VALUE_MAX_BYTES = 64 * 1024;

export interface TruncatedValue {
  truncated: true;
  /** The JSON size of the value left out, in bytes. */
  bytes: number;
}

/** The value itself, or the marker that stands for it when its JSON is over `maxBytes`. */
export function boundedForList<T>(value: T, maxBytes = LIST_VALUE_MAX_BYTES): T | TruncatedValue {
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return value;
  // A string's UTF-8 size is at most 3 bytes per UTF-16 unit: most values need no serialising to be cleared.
  if (typeof value === 'string' && value.length * 3 + 2 <= maxBytes) return value;
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? 'null');
  return bytes > maxBytes ? { truncated: true, bytes } : value;
}
