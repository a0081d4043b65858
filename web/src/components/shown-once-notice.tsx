import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { CopyButton } from './copy-button.js';

/** A value the server shows only once (a new token, a signing secret): focused, selectable, with copy. */
export function ShownOnceNotice(props: {
  headingId: string;
  title: ComponentChildren;
  /** The warning line: why to copy it now. */
  warning: ComponentChildren;
  value: string;
  valueLabel: string;
  testId: string;
  copyLabel: string;
  onDone: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), [props.value]);
  return (
    <div class="card new-token" role="region" aria-labelledby={props.headingId} tabIndex={-1} ref={ref}>
      <h2 id={props.headingId}>{props.title}</h2>
      <p class="warning">{props.warning}</p>
      <div class="token-value">
        <input readOnly value={props.value} aria-label={props.valueLabel} data-testid={props.testId} onFocus={(e) => (e.target as HTMLInputElement).select()} />
        <CopyButton text={props.value} label={props.copyLabel} />
      </div>
      <button type="button" class="button small ghost" onClick={props.onDone}>
        I have copied it
      </button>
    </div>
  );
}
