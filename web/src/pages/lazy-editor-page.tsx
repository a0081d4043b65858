import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorBox, Loading } from '../components/states.js';

type EditorPage = FunctionComponent<{ workflowId: string }>;
let loaded: EditorPage | null = null;

/**
 * The editor page, loaded on first use: CodeMirror is most of its weight, and the other
 * pages do not need it (Vite splits `import()` into its own chunk).
 */
export function WorkflowEditorPage({ workflowId }: { workflowId: string }) {
  const [Page, setPage] = useState<EditorPage | null>(() => loaded);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (Page) return;
    import('./workflow-editor-page.js').then(
      (module) => {
        loaded = module.WorkflowEditorPage;
        setPage(() => loaded);
      },
      setError,
    );
  }, []);
  if (error) return <ErrorBox error={error} />;
  return Page ? <Page workflowId={workflowId} /> : <Loading label="Loading the editor…" />;
}
