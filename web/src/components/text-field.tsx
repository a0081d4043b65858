import type { JSX } from 'preact';

type InputAttributes = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onInput' | 'class'>;

/**
 * A labelled text input with its problem under it: while there is one, the field is marked
 * (`has-error`, `aria-invalid`) and the message is the input's description, so a screen reader
 * reads it with the field. Other input attributes (type, placeholder, maxLength…) pass through.
 */
export function TextField({ id, label, value, onValue, error, ...input }: {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  error?: string | null | undefined;
} & InputAttributes) {
  const errorId = `${id}-error`;
  return (
    <div class={`field${error ? ' has-error' : ''}`}>
      <label for={id}>{label}</label>
      <input
        {...input}
        id={id}
        value={value}
        onInput={(e) => onValue((e.target as HTMLInputElement).value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
      />
      {error ? <p class="field-error" id={errorId}>{error}</p> : null}
    </div>
  );
}
