/** A run, step or workflow status as a coloured label (the text carries the meaning, not the colour alone). */
export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status.toLowerCase()}`}>{status}</span>;
}
