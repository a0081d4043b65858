import { median, round } from './stats.js';

/** One measured quantity: a value per round, reported as their median. */
export interface Figure {
  key: string;
  scenario: string;
  label: string;
  unit: string;
  values: number[];
  median: number | null;
  /** Why the figure was not measured (a missing tool, a backend not built yet). */
  missing?: string;
}

/** A comparison taken in the same run: numerator / denominator, with the target. */
export interface Ratio {
  key: string;
  label: string;
  numerator: string;
  denominator: string;
  value: number | null;
  /** The target: ratio ≥ min or ≤ max. */
  target: { min?: number; max?: number } | null;
  met: boolean | null;
  missing?: string;
}

/** Collects figures, ratios and the settings each system ran with, for the table and the JSON. */
export function createReport() {
  const figures = new Map<string, Figure>();
  const ratios: Ratio[] = [];
  const settings: Record<string, unknown> = {};

  function figure(key: string, scenario: string, label: string, unit: string): Figure {
    let found = figures.get(key);
    if (!found) {
      found = { key, scenario, label, unit, values: [], median: null };
      figures.set(key, found);
    }
    return found;
  }

  return {
    figures,
    ratios,
    settings,
    /** Records one round's value of a figure. */
    push(key: string, scenario: string, label: string, unit: string, value: number) {
      const f = figure(key, scenario, label, unit);
      f.values.push(value);
      f.median = median(f.values);
    },
    /** Marks a figure as not measured, with the reason shown in the table. */
    missing(key: string, scenario: string, label: string, unit: string, reason: string) {
      const f = figure(key, scenario, label, unit);
      if (f.values.length === 0) f.missing = reason;
    },
    /**
     * Adds a ratio. `paired` with a value per round on both sides, it is the median of the
     * per-round ratios (the two measured back to back); otherwise the ratio of medians.
     */
    ratio(key: string, label: string, numerator: string, denominator: string, target: Ratio['target'], paired = true) {
      const a = figures.get(numerator);
      // An empty denominator checks the figure itself against the target (e.g. "≤ 5 ms").
      const b = denominator === '' ? { values: [], median: 1, missing: undefined } : figures.get(denominator);
      let value: number | null = null;
      let missing: string | undefined;
      if (!a || !b || a.median === null || b.median === null) {
        const reasons = [a, b].map((f, i) => (!f ? `${i ? denominator : numerator} not run` : f.missing)).filter(Boolean);
        missing = [...new Set(reasons)].join('; ') || 'not measured';
      } else if (paired && a.values.length === b.values.length && a.values.length > 1) {
        value = median(a.values.map((v, i) => v / b.values[i]!));
      } else {
        value = a.median / b.median;
      }
      const met = value === null || target === null ? null : (target.min === undefined || value >= target.min) && (target.max === undefined || value <= target.max);
      ratios.push({ key, label, numerator, denominator, value, target, met, ...(missing ? { missing } : {}) });
    },
    /** The table printed at the end and pasted into docs/BENCHMARKS.md. */
    table(): string {
      const lines: string[] = [];
      let scenario = '';
      lines.push('| scenario | figure | median | unit | rounds |', '| --- | --- | ---: | --- | --- |');
      for (const f of figures.values()) {
        const shown = f.scenario === scenario ? '' : f.scenario;
        scenario = f.scenario;
        const value = f.median === null ? `not measured: ${f.missing ?? '?'}` : String(round(f.median));
        lines.push(`| ${shown} | ${f.label} | ${value} | ${f.unit} | ${f.values.map((v) => round(v)).join(', ')} |`);
      }
      lines.push('', '| comparison (same run) | ratio | target | met |', '| --- | ---: | --- | --- |');
      for (const r of ratios) {
        const target = r.target === null ? '—' : [r.target.min !== undefined ? `≥ ${r.target.min}` : '', r.target.max !== undefined ? `≤ ${r.target.max}` : ''].filter(Boolean).join(' ');
        const value = r.value === null ? `not measured (${r.missing})` : round(r.value).toFixed(2);
        lines.push(`| ${r.label} | ${value} | ${target} | ${r.met === null ? '—' : r.met ? 'yes' : 'NO'} |`);
      }
      return lines.join('\n');
    },
    toJSON() {
      return { figures: [...figures.values()], ratios, settings };
    },
  };
}

export type Report = ReturnType<typeof createReport>;
