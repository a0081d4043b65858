import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorBox } from './states.js';

/**
 * A modal "are you sure?" for a destructive action: opens at once, runs `action` on confirm,
 * shows its error in place, and calls `onClose(true)` once it succeeded (`false` when kept).
 */
export function ConfirmDialog(props: {
  /** Id of the heading, for aria-labelledby. */
  headingId: string;
  title: ComponentChildren;
  children: ComponentChildren;
  confirmLabel: string;
  busyLabel: string;
  action: () => Promise<unknown>;
  onClose: (changed: boolean) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => ref.current?.showModal(), []);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await props.action();
      ref.current?.close();
      props.onClose(true);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  return (
    <dialog ref={ref} class="dialog" aria-labelledby={props.headingId} onClose={() => props.onClose(false)}>
      <h2 id={props.headingId}>{props.title}</h2>
      {props.children}
      {error ? <ErrorBox error={error} /> : null}
      <div class="dialog-actions">
        <button type="button" class="button" onClick={() => ref.current?.close()} disabled={busy}>Keep it</button>
        <button type="button" class="button danger" onClick={confirm} disabled={busy}>{busy ? props.busyLabel : props.confirmLabel}</button>
      </div>
    </dialog>
  );
}
