/** Severity of a step log line (SPEC §17). */
export type StepLogLevel = 'debug' | 'info' | 'warn' | 'error';
export const STEP_LOG_LEVELS: readonly StepLogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface NewStepLogLine {
  stepId: string;
  attempt: number;
  level: StepLogLevel;
  message: string;
  fields: Record<string, unknown> | null;
  at: number;
}

export interface StepLogLine extends NewStepLogLine {
  /** 1, 2, … per run, in the order written. */
  seq: number;
}

export interface StepLogQuery {
  stepId: string | null;
  /** Lines with `seq` above this (0: from the start). */
  after: number;
  limit: number;
}

export interface StepLogStore {
  /** Appends lines to a run's log, numbering them; lines past `maxLines` for the run are dropped. Returns how many were kept. */
  appendStepLogs(runId: string, lines: readonly NewStepLogLine[], maxLines: number): Promise<number>;
  listStepLogs(runId: string, query: StepLogQuery): Promise<StepLogLine[]>;
}

/** One stored row as a line (both dialects; `fields` arrives as JSON text). */
export function stepLogLineOf(row: Record<string, unknown>): StepLogLine {
  return {
    seq: Number(row.seq),
    at: Number(row.at),
    stepId: String(row.step_id),
    attempt: Number(row.attempt),
    level: String(row.level) as StepLogLevel,
    message: String(row.message),
    fields: row.fields === null || row.fields === undefined ? null : (JSON.parse(String(row.fields)) as Record<string, unknown>),
  };
}
