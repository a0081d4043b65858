import { useState } from 'preact/hooks';
import { ErrorBox } from '../components/states.js';
import { clientFor } from '../session.js';

/**
 * Sign-in is pasting an API token: the dashboard checks it with one API call and keeps
 * it in this tab's session storage. Everything shown afterwards is that token's workspace.
 */
export function SignInPage({ reason, onSignedIn }: { reason: string | null; onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [checking, setChecking] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const value = token.trim();
    if (!value.startsWith('slat_')) {
      setError(new Error('API tokens start with "slat_". Paste the whole token.'));
      return;
    }
    setChecking(true);
    setError(null);
    try {
      await clientFor(value).listWorkflows({ limit: 1 });
      onSignedIn(value);
    } catch (e) {
      setError(e);
    } finally {
      setChecking(false);
    }
  };

  return (
    <main class="signin" id="main">
      <form class="card signin-card" onSubmit={submit} noValidate>
        <h1>
          <span aria-hidden="true">⛵</span> Slipway
        </h1>
        <p class="muted">Sign in with an API token of your workspace.</p>
        {reason && <p class="notice" role="status">{reason}</p>}
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellcheck={false}
          placeholder="slat_…"
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
          aria-describedby="token-help"
          aria-invalid={error ? true : undefined}
          required
        />
        <p id="token-help" class="help">
          The first <code>slipway serve</code> prints an admin token; <code>slipway token create</code> makes more. The token stays in this
          browser tab only.
        </p>
        {error ? <ErrorBox error={error} /> : null}
        <button type="submit" class="button primary" disabled={checking}>
          {checking ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
