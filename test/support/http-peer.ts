import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PeerRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export type PeerHandler = (request: PeerRequest, response: ServerResponse) => void | Promise<void>;

export interface HttpPeer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every request received, in order. */
  requests: PeerRequest[];
  /** How many requests arrived for `path` (pathname only). */
  count(path: string): number;
  /** Resolves when a request for `path` has arrived `times` times. */
  waitFor(path: string, times?: number): Promise<void>;
  close(): Promise<void>;
}

/** A real HTTP server on loopback that records what it receives: the peer of `http` and `llm` steps in tests. */
export async function startHttpPeer(handler: PeerHandler): Promise<HttpPeer> {
  const requests: PeerRequest[] = [];
  const waiters: { path: string; times: number; resolve: () => void }[] = [];
  const count = (path: string) => requests.filter((r) => r.path === path).length;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://peer');
      const request = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      for (const waiter of waiters.filter((w) => count(w.path) >= w.times)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      Promise.resolve(handler(request, res)).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    count,
    waitFor(path, times = 1) {
      if (count(path) >= times) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ path, times, resolve }));
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends a JSON answer. */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
