/**
 * Local stand-ins for push providers: a plain HTTP(S)/HTTP2 server that records every request
 * (method, path, headers, raw body, arrival time) and answers from a script — success by
 * default, or the next scripted answer (status, headers, body) queued by the test.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

export interface ScriptedAnswer {
  /** 0: never answer (the request hangs until the server closes: a provider stuck mid-delivery). */
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface PushServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Answers the next requests with these, in order; then `fallback`. */
  script(...answers: ScriptedAnswer[]): void;
  fallback: (req: RecordedRequest) => ScriptedAnswer;
  /** Resolves when `count` requests matching `match` have arrived (never a sleep). */
  waitFor(count: number, match?: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

export async function startPushServer(fallback: (req: RecordedRequest) => ScriptedAnswer = () => ({ status: 200, body: '{}' })): Promise<PushServer> {
  const requests: RecordedRequest[] = [];
  const queue: ScriptedAnswer[] = [];
  const waiters: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), at: Date.now() };
      requests.push(recorded);
      const answer = queue.shift() ?? api.fallback(recorded);
      if (answer.status === 0) {
        for (const w of waiters.splice(0)) w();
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
      res.end(answer.body ?? '');
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const api: PushServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    fallback,
    script: (...answers) => queue.push(...answers),
    waitFor: (count, match = () => true, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${count} matching push request(s), got ${requests.filter(match).length} within ${timeoutMs} ms`)), timeoutMs);
        const check = () => {
          const found = requests.filter(match);
          if (found.length >= count) {
            clearTimeout(timer);
            resolve(found);
          } else waiters.push(check);
        };
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return api;
}

/** Polls an async condition until it holds (for states with no event to wait on, e.g. a row gone). */
export async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
