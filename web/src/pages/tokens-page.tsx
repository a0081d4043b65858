import { useState } from 'preact/hooks';
import type { ApiToken, CreateTokenResponse } from '../../../src/api/schemas.js';
import { useApp } from '../app-context.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { ShownOnceNotice } from '../components/shown-once-notice.js';
import { Empty, ErrorBox, Loading } from '../components/states.js';
import { TextField } from '../components/text-field.js';
import { formatDate, formatRelative } from '../format.js';
import { SlipwayApiError } from '../session.js';
import { useAsync } from '../use-async.js';

const EXPIRIES = [
  { value: '7d', label: '7 days' },
  { value: '30d', label: '30 days' },
  { value: '90d', label: '90 days' },
  { value: 'never', label: 'Never' },
] as const;

/** Settings > API Tokens: create (shown once), list, revoke. */
export function TokensPage() {
  const { client } = useApp();
  const tokens = useAsync(() => client.listTokens(), []);
  const [created, setCreated] = useState<CreateTokenResponse | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  return (
    <section>
      <div class="page-head">
        <h1>API Tokens</h1>
      </div>
      <p class="muted">
        Tokens let programs use this workspace's API (<code>Authorization: Bearer slat_…</code>). Anyone holding one can run workflows and manage
        tokens, so keep them secret.
      </p>
      <CreateTokenForm
        onCreated={(token) => {
          setCreated(token);
          tokens.reload();
        }}
      />
      {created ? <NewTokenNotice token={created} onDone={() => setCreated(null)} /> : null}

      <section class="card" aria-labelledby="tokens-heading">
        <h2 id="tokens-heading">Tokens of this workspace</h2>
        {tokens.error ? <ErrorBox error={tokens.error} onRetry={tokens.reload} /> : null}
        {tokens.loading && !tokens.data ? <Loading label="Loading tokens…" /> : null}
        {tokens.data && tokens.data.data.length === 0 ? <Empty>No tokens.</Empty> : null}
        {tokens.data && tokens.data.data.length > 0 ? (
          <div class="table-wrap">
            <table class="tokens-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Token</th>
                  <th scope="col" class="hide-sm">Created by</th>
                  <th scope="col" class="hide-sm">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col" class="hide-sm">Last used</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.data.data.map((token) => (
                  <tr key={token.id} data-token-name={token.name} class={token.revoked_at ? 'revoked' : ''}>
                    <td>
                      {token.name}
                      {token.is_current ? <span class="badge status-published">this session</span> : null}
                    </td>
                    <td>
                      <code>{token.preview}</code>
                    </td>
                    <td class="hide-sm">{token.created_by}</td>
                    <td class="hide-sm" title={token.created_at}>
                      {formatDate(token.created_at)}
                    </td>
                    <td title={token.expires_at ?? ''} data-label="Expires">
                      {expiryText(token)}
                    </td>
                    <td class="hide-sm" title={token.last_used_at ?? ''}>
                      {token.last_used_at ? formatRelative(token.last_used_at) : 'never'}
                    </td>
                    <td>
                      {token.revoked_at ? (
                        <span class="badge status-canceled" title={token.revoked_at}>
                          revoked
                        </span>
                      ) : (
                        <button type="button" class="button small danger" onClick={() => setRevoking(token)} aria-label={`Revoke token ${token.name}`}>
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
      {revoking ? (
        <RevokeDialog
          token={revoking}
          onClose={(changed) => {
            setRevoking(null);
            if (changed) tokens.reload();
          }}
        />
      ) : null}
    </section>
  );
}

function expiryText(token: ApiToken): string {
  if (!token.expires_at) return 'never';
  if (Date.parse(token.expires_at) <= Date.now()) return `expired ${formatRelative(token.expires_at)}`;
  return formatDate(token.expires_at);
}

function CreateTokenForm({ onCreated }: { onCreated: (token: CreateTokenResponse) => void }) {
  const { client } = useApp();
  const [name, setName] = useState('');
  const [expires, setExpires] = useState<(typeof EXPIRIES)[number]['value']>('30d');
  const [error, setError] = useState<unknown>(null);
  const [nameError, setNameError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setNameError(null);
    if (!name.trim()) {
      setNameError('Give the token a name, e.g. the program that will use it.');
      return;
    }
    setBusy(true);
    try {
      onCreated(await client.createToken({ name: name.trim(), expires }));
      setName('');
    } catch (e) {
      if (e instanceof SlipwayApiError && e.body.details?.some((d) => d.path.endsWith('name'))) setNameError(e.body.message);
      else setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card token-form" onSubmit={submit} noValidate aria-labelledby="create-heading">
      <h2 id="create-heading">Create a token</h2>
      <div class="form-row">
        <TextField id="token-name" label="Name" value={name} onValue={setName} error={nameError} maxLength={100} placeholder="e.g. ci-pipeline" />
        <div class="field">
          <label for="token-expires">Expires after</label>
          <select id="token-expires" value={expires} onChange={(e) => setExpires((e.target as HTMLSelectElement).value as typeof expires)}>
            {EXPIRIES.map((x) => (
              <option key={x.value} value={x.value}>
                {x.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field field-button">
          <button type="submit" class="button primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create token'}
          </button>
        </div>
      </div>
      {error ? <ErrorBox error={error} /> : null}
    </form>
  );
}

function NewTokenNotice({ token, onDone }: { token: CreateTokenResponse; onDone: () => void }) {
  return (
    <ShownOnceNotice
      headingId="new-token-heading"
      title={`Token "${token.name}" created`}
      warning={<><strong>Copy it now.</strong> This is the only time the full token is shown; Slipway keeps only a hash of it.</>}
      value={token.token}
      valueLabel="New API token"
      testId="new-token"
      copyLabel="Copy token"
      onDone={onDone}
    />
  );
}

function RevokeDialog({ token, onClose }: { token: ApiToken; onClose: (changed: boolean) => void }) {
  const { client } = useApp();
  return (
    <ConfirmDialog headingId="revoke-heading" title={`Revoke token "${token.name}"?`} confirmLabel="Revoke token" busyLabel="Revoking…" action={() => client.revokeToken(token.id)} onClose={onClose}>
      <p>
        Programs using <code>{token.preview}</code> are refused from their next request. This cannot be undone.
        {token.is_current ? ' It is the token this dashboard is signed in with: you will be signed out.' : ''}
      </p>
    </ConfirmDialog>
  );
}
