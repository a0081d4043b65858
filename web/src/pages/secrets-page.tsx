import { useState } from 'preact/hooks';
import type { Secret } from '../../../src/api/secret-schemas.js';
import { useApp } from '../app-context.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { TextField } from '../components/text-field.js';
import { formatDate, formatRelative } from '../format.js';
import { SlipwayApiError } from '../session.js';
import { useAsync } from '../use-async.js';

/** Settings > Secrets: names and dates, set a value (write-only), delete. Values are never shown. */
export function SecretsPage() {
  const { client } = useApp();
  const secrets = useAsync(() => client.listSecrets(), []);
  const [deleting, setDeleting] = useState<Secret | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  return (
    <section>
      <div class="page-head">
        <h1>Secrets</h1>
      </div>
      <p class="muted">
        Steps use a secret as <code>{'{{ secrets.NAME }}'}</code> in the <code>with</code> of <code>http</code> and <code>llm</code> steps. Values are
        encrypted at rest and never shown again, here or in any answer; wherever one would appear in an output, it reads <code>****</code>.
      </p>
      <SetSecretForm
        onSaved={(name) => {
          setSaved(name);
          secrets.reload();
        }}
      />
      {saved ? <p role="status" class="notice">Secret {saved} saved.</p> : null}
      <section class="card" aria-labelledby="secrets-heading">
        <h2 id="secrets-heading">Secrets of this workspace</h2>
        {secrets.error ? <ErrorBox error={secrets.error} onRetry={secrets.reload} /> : null}
        {secrets.loading && !secrets.data ? <Loading label="Loading secrets…" /> : null}
        {secrets.data && secrets.data.data.length === 0 ? <Empty>No secrets yet.</Empty> : null}
        {secrets.data && secrets.data.data.length > 0 ? (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Last updated</th>
                  <th scope="col">Last used</th>
                  <th scope="col"><span class="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {secrets.data.data.map((secret) => (
                  <tr key={secret.name} data-secret-name={secret.name}>
                    <td><code>{secret.name}</code></td>
                    <td title={secret.updated_at}>{formatDate(secret.updated_at)}</td>
                    <td title={secret.last_used_at ?? ''}>{secret.last_used_at ? formatRelative(secret.last_used_at) : 'never'}</td>
                    <td>
                      <button type="button" class="button small danger" onClick={() => setDeleting(secret)} aria-label={`Delete secret ${secret.name}`}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
      {deleting ? (
        <DeleteDialog
          secret={deleting}
          onClose={(changed) => {
            setDeleting(null);
            if (changed) secrets.reload();
          }}
        />
      ) : null}
    </section>
  );
}

function SetSecretForm({ onSaved }: { onSaved: (name: string) => void }) {
  const { client } = useApp();
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [problems, setProblems] = useState<{ name?: string; value?: string }>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setProblems({});
    if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(name)) return setProblems({ name: 'Capitals, digits and _, starting with a capital (e.g. API_KEY).' });
    if (value.length < 8) return setProblems({ value: 'At least 8 characters: shorter values cannot be masked safely.' });
    setBusy(true);
    try {
      await client.putSecret(name, value);
      setValue('');
      setName('');
      onSaved(name);
    } catch (err) {
      const detail = err instanceof SlipwayApiError ? err.body.details?.[0] : undefined;
      if (detail?.path.endsWith('name')) setProblems({ name: detail.message });
      else if (detail?.path.endsWith('value')) setProblems({ value: detail.message });
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="set-secret-heading">
      <h2 id="set-secret-heading">Set a secret</h2>
      <p class="muted small">Setting an existing name replaces its value.</p>
      <div class="form-row">
        <TextField id="secret-name" label="Name" value={name} onValue={setName} error={problems.name} placeholder="API_KEY" autocomplete="off" spellcheck={false} />
        <TextField id="secret-value" label="Value" type="password" value={value} onValue={setValue} error={problems.value} autocomplete="new-password" />
        <div class="field field-button">
          <button type="submit" class="button primary" disabled={busy}>{busy ? 'Saving…' : 'Save secret'}</button>
        </div>
      </div>
      {error ? <ErrorBox error={error} /> : null}
    </form>
  );
}

function DeleteDialog({ secret, onClose }: { secret: Secret; onClose: (changed: boolean) => void }) {
  const { client } = useApp();
  return (
    <ConfirmDialog headingId="delete-secret-heading" title={`Delete secret ${secret.name}?`} confirmLabel="Delete secret" busyLabel="Deleting…" action={() => client.deleteSecret(secret.name)} onClose={onClose}>
      <p>Steps that use <code>{`{{ secrets.${secret.name} }}`}</code> will fail with SECRET_NOT_FOUND. This cannot be undone.</p>
    </ConfirmDialog>
  );
}
