import { yaml } from '@codemirror/lang-yaml';
import { linter, lintGutter, type Diagnostic as EditorDiagnostic } from '@codemirror/lint';
import { unifiedMergeView } from '@codemirror/merge';
import { Compartment, type Text } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'preact/hooks';
import type { Diagnostic } from '../../../src/api/authoring-schemas.js';

/** Validates a whole document; the editor shows what it answers as markers. */
export type Validate = (text: string) => Promise<Diagnostic[]>;

export interface YamlEditorProps {
  initial: string;
  /** Called on every change, with the whole text. */
  onChange: (text: string) => void;
  validate: Validate;
  /** Called with each validation's diagnostics (for the problems list beside the editor). */
  onDiagnostics: (diagnostics: Diagnostic[]) => void;
  /** When set, changed lines are shown against this text (the published version). */
  diffAgainst: string | null;
  label: string;
}

/** Where a 1-based line and column of the server's diagnostic falls in the document, as a range over the word there. */
export function diagnosticRange(doc: Text, line: number | null, column: number | null): { from: number; to: number } {
  if (line === null || line < 1 || line > doc.lines) return { from: 0, to: Math.min(doc.length, doc.line(1).to) };
  const at = doc.line(line);
  const from = Math.min(at.to, at.from + Math.max(0, (column ?? 1) - 1));
  const word = /^[^\s,{}[\]]+/.exec(doc.sliceString(from, at.to));
  return { from, to: word ? from + word[0].length : at.to };
}

/**
 * A CodeMirror 6 YAML editor that validates as you type: after a pause, the text goes to
 * `validate` (the server's `POST /workflows/validate`) and every diagnostic becomes a
 * marker at its line and column, with a gutter sign. `diffAgainst` shows the changes
 * against another text inline (deleted lines in red above the changed ones).
 */
export function YamlEditor(props: YamlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const diff = useRef(new Compartment());
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const source = async (editor: EditorView): Promise<EditorDiagnostic[]> => {
      const doc = editor.state.doc;
      let diagnostics: Diagnostic[];
      try {
        diagnostics = await latest.current.validate(doc.toString());
      } catch {
        return []; // unreachable server: the page says so when saving
      }
      if (editor.state.doc !== doc) return []; // stale: the linter runs again for the new text
      latest.current.onDiagnostics(diagnostics);
      return diagnostics.map((d) => ({ ...diagnosticRange(doc, d.line, d.column), severity: d.severity, message: d.path ? `${d.path}: ${d.message}` : d.message }));
    };
    const editor = new EditorView({
      doc: props.initial,
      parent: host.current!,
      extensions: [
        basicSetup,
        yaml(),
        lintGutter(),
        linter(source, { delay: 400 }),
        diff.current.of([]),
        EditorView.contentAttributes.of({ 'aria-label': props.label }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) latest.current.onChange(update.state.doc.toString());
        }),
      ],
    });
    view.current = editor;
    return () => editor.destroy();
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const extension = props.diffAgainst === null ? [] : unifiedMergeView({ original: props.diffAgainst, mergeControls: false, gutter: true });
    editor.dispatch({ effects: diff.current.reconfigure(extension) });
  }, [props.diffAgainst]);

  return <div class="yaml-editor" ref={host} data-testid="yaml-editor" />;
}
