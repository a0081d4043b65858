import { useState } from 'preact/hooks';
import type { RunWithDetails } from '../../../src/api/schemas.js';
import { useApp } from '../app-context.js';
import { ErrorBox } from '../components/states.js';
import { navigate } from '../router.js';

const ACTIVE = ['QUEUED', 'STARTING', 'RUNNING'];
const FINISHED = ['COMPLETED', 'FAILED', 'CANCELED'];

/** Replays `runId` (all of it, or from a step / `@failed`) and opens the new run. */
export function useReplay(runId: string) {
  const { client } = useApp();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const replay = async (fromStep?: string) => {
    setBusy(true);
    setError(null);
    try {
      const created = await client.replayRun(runId, fromStep ? { from_step: fromStep } : {});
      navigate(`/runs/${encodeURIComponent(created.run_id)}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { replay, error, busy };
}

/** Run control on a run's page (SPEC §11): Replay and "from failed steps" on a finished run, Abort (confirmed) on an active one. */
export function RunControlActions({ run, onChanged }: { run: RunWithDetails; onChanged: () => void }) {
  const { client } = useApp();
  const { replay, error: replayError, busy: replaying } = useReplay(run.run_id);
  const [abortError, setAbortError] = useState<unknown>(null);
  const [aborting, setAborting] = useState(false);
  const abort = async () => {
    if (!window.confirm('Abort this run? Its steps are stopped and it ends FAILED (ABORTED).')) return;
    setAborting(true);
    setAbortError(null);
    try {
      await client.abortRun(run.run_id);
    } catch (e) {
      setAbortError(e);
    } finally {
      setAborting(false);
      onChanged();
    }
  };
  return (
    <>
      {ACTIVE.includes(run.status) ? (
        <button type="button" class="button danger" onClick={abort} disabled={aborting}>
          {aborting ? 'Aborting…' : 'Abort'}
        </button>
      ) : null}
      {FINISHED.includes(run.status) ? (
        <button type="button" class="button" onClick={() => void replay()} disabled={replaying} title="A fresh run replaying this one">
          Replay
        </button>
      ) : null}
      {run.status === 'FAILED' ? (
        <button type="button" class="button" onClick={() => void replay('@failed')} disabled={replaying} title="Reuse the steps that succeeded; run the failed ones again">
          Replay from failed steps
        </button>
      ) : null}
      {replayError ? <ErrorBox error={replayError} /> : null}
      {abortError ? <ErrorBox error={abortError} /> : null}
    </>
  );
}

/** "Replay from here" on one top-level step of a finished run. */
export function ReplayFromHere({ runId, stepId }: { runId: string; stepId: string }) {
  const { replay, error, busy } = useReplay(runId);
  return (
    <>
      <button type="button" class="button small ghost" onClick={() => void replay(stepId)} disabled={busy} aria-label={`Replay from ${stepId}`}>
        Replay from here
      </button>
      {error ? <ErrorBox error={error} /> : null}
    </>
  );
}
