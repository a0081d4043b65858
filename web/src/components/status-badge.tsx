/** A run, step or workflow status as a coloured label (the text carries the meaning, not the colour alone). */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return <span class={`badge status-${status.toLowerCase()}`}>{label ?? status}</span>;
}
