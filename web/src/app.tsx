import { useEffect, useMemo, useState } from 'preact/hooks';
import { AppContext, useApp } from './app-context.js';
import { Link } from './components/link.js';
import { ApprovalPage, ApprovalsPage } from './pages/approvals-page.js';
import { RunPage } from './pages/run-page.js';
import { RunsPage } from './pages/runs-page.js';
import { SchedulePage } from './pages/schedule-page.js';
import { SchedulesPage } from './pages/schedules-page.js';
import { SignInPage } from './pages/sign-in-page.js';
import { TokensPage } from './pages/tokens-page.js';
import { SecretsPage } from './pages/secrets-page.js';
import { WorkersPage } from './pages/workers-page.js';
import { WebhooksPage } from './pages/webhooks-page.js';
import { WorkflowEditorPage } from './pages/lazy-editor-page.js';
import { WorkflowPage } from './pages/workflow-page.js';
import { WorkflowsPage } from './pages/workflows-page.js';
import { match, navigate, useLocation } from './router.js';
import { clearToken, clientFor, storedToken, storeToken } from './session.js';

/** The shell: sign-in gate, navigation, and the page for the current path. */
export function App() {
  const [token, setToken] = useState<string | null>(storedToken);
  const [signedOutReason, setSignedOutReason] = useState<string | null>(null);

  const signOut = (reason?: string) => {
    clearToken();
    setToken(null);
    setSignedOutReason(reason ?? null);
  };

  const context = useMemo(() => {
    if (!token) return null;
    // Any 401 means the token stopped working (revoked, expired): back to sign-in, saying why.
    const guardedFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (response.status === 401) queueMicrotask(() => signOut('Your token is no longer accepted (it was revoked or has expired). Sign in with another token.'));
      return response;
    };
    return { client: clientFor(token, guardedFetch), signOut };
  }, [token]);

  if (!context) {
    return (
      <SignInPage
        reason={signedOutReason}
        onSignedIn={(newToken) => {
          storeToken(newToken);
          setSignedOutReason(null);
          setToken(newToken);
        }}
      />
    );
  }
  return (
    <AppContext.Provider value={context}>
      <Shell />
    </AppContext.Provider>
  );
}

const NAV = [
  { href: '/workflows', label: 'Workflows' },
  { href: '/runs', label: 'Runs' },
  { href: '/schedules', label: 'Schedules' },
  { href: '/approvals', label: 'Approvals' },
  { href: '/workers', label: 'Workers' },
  { href: '/settings/tokens', label: 'API Tokens' },
  { href: '/settings/webhooks', label: 'Webhooks' },
  { href: '/settings/secrets', label: 'Secrets' },
];

function Shell() {
  const { path } = useLocation();
  useEffect(() => {
    if (path === '/' || path === '') navigate('/workflows', { replace: true });
  }, [path]);
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link href="/workflows" class="brand">
          <span aria-hidden="true">⛵</span> Slipway
        </Link>
        <nav aria-label="Main">
          {NAV.map((item) => (
            <Link key={item.href} href={item.href} class={path.startsWith(item.href) ? 'active' : ''} aria-current={path.startsWith(item.href) ? 'page' : undefined}>
              {item.label}
            </Link>
          ))}
        </nav>
        <SignOutButton />
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} />
      </main>
    </>
  );
}

function SignOutButton() {
  const { signOut } = useApp();
  return (
    <button type="button" class="button small ghost signout" onClick={() => signOut()}>
      Sign out
    </button>
  );
}

function Page({ path }: { path: string }) {
  let params: Record<string, string> | null;
  if (path === '/workflows') return <WorkflowsPage />;
  if ((params = match('/workflows/:id', path))) return <WorkflowPage workflowId={params.id!} />;
  if ((params = match('/workflows/:id/edit', path))) return <WorkflowEditorPage workflowId={params.id!} />;
  if (path === '/runs') return <RunsPage />;
  if ((params = match('/runs/:id', path))) return <RunPage runId={params.id!} />;
  if (path === '/approvals') return <ApprovalsPage />;
  if ((params = match('/approvals/:id', path))) return <ApprovalPage waitpointId={params.id!} />;
  if (path === '/settings/tokens') return <TokensPage />;
  if (path === '/settings/webhooks') return <WebhooksPage />;
  if (path === '/settings/secrets') return <SecretsPage />;
  if (path === '/schedules') return <SchedulesPage />;
  if (path === '/workers') return <WorkersPage />;
  if ((params = match('/schedules/:id', path))) return <SchedulePage scheduleId={params.id!} />;
  if (path === '/' || path === '') return null;
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link href="/workflows">Go to the workflows</Link>.
      </p>
    </section>
  );
}
