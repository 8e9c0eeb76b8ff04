/**
 * The docs' examples cannot rot: every frame that docs/client.md and docs/protocol.md show a client
 * sending (a JSON object with `"type":"request"` in a code block, or a `→` line) is sent, as written,
 * to a real server, and must be accepted — well-formed envelope, valid payload, known command.
 *
 * Examples use illustrative ids (`u-1a2b…`, `g-5f0c…`, `Bearer <token>`); those are swapped for real
 * ones of the same kind (first user id → bob, second → carol, …) so the frame reaches its handler.
 * A block preceded by `<!-- docs-test: not-a-frame -->` is documentation of a byte form (the
 * canonical signing string), not a frame, and is skipped. An example marked as a request that is
 * not valid JSON fails here: a reader cannot send it either.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { directId } from '../../support/chat-helpers';
import { startTestApp, TestApp } from '../../support/test-app';
import { NO_RATE_LIMIT } from '../../support/transport-helpers';
import {
  LoggedInUser,
  login,
  registerAndLogin,
  registerUser,
  RegisteredUser,
} from '../../support/users';

const DOCS = ['docs/client.md', 'docs/protocol.md'];
const SKIP_MARK = '<!-- docs-test: not-a-frame -->';

interface DocFrame {
  where: string;
  frame: Record<string, any>;
}

/** Top-level `{…}` objects of a text (brace depth outside strings), with their start line. */
function objectsIn(text: string): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && depth > 0 && --depth === 0) {
      out.push({ text: text.slice(start, i + 1), offset: start });
    }
  }
  return out;
}

function clientFrames(file: string): { frames: DocFrame[]; broken: string[] } {
  const lines = fs.readFileSync(path.join(__dirname, '../../..', file), 'utf8').split('\n');
  const frames: DocFrame[] = [];
  const broken: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```/.test(lines[i])) continue;
    const skip = lines.slice(Math.max(0, i - 2), i).some((l) => l.includes(SKIP_MARK));
    const first = i + 1;
    let end = first;
    while (end < lines.length && !/^\s*```/.test(lines[end])) end++;
    // Server-to-client lines (`←`) are answers, not something a client sends.
    const body = lines
      .slice(first, end)
      .map((l) => (/^\s*←/.test(l) ? '' : l.replace(/^\s*→\s?/, '')))
      .join('\n');
    i = end;
    if (skip) continue;
    for (const obj of objectsIn(body)) {
      const where = `${file}:${first + 1 + body.slice(0, obj.offset).split('\n').length - 1}`;
      let parsed: Record<string, any>;
      try {
        parsed = JSON.parse(obj.text);
      } catch {
        if (/"type"\s*:\s*"request"/.test(obj.text))
          broken.push(`${where}: not valid JSON: ${obj.text.slice(0, 80)}…`);
        continue;
      }
      const clientEvent =
        parsed.type === 'event' &&
        lines[first + body.slice(0, obj.offset).split('\n').length - 1]?.trim().startsWith('→');
      if (typeof parsed.command === 'string' && (parsed.type === 'request' || clientEvent))
        frames.push({ where, frame: parsed });
    }
  }
  return { frames, broken };
}

describe('docs examples are accepted by a real server', () => {
  let app: TestApp;
  let alice: LoggedInUser;
  let others: RegisteredUser[];
  let groupId: string;
  let messageId: string;
  let messageSeq: number;
  const all = DOCS.map(clientFrames);

  beforeAll(async () => {
    app = await startTestApp({ ...NO_RATE_LIMIT });
    alice = await registerAndLogin(app, { password: 'correct-horse-battery' });
    others = [await registerUser(app), await registerUser(app), await registerUser(app)];
    const group = await alice.client.call('group/create', {
      name: 'docs',
      members: others.map((u) => u.userId),
    });
    groupId = group.conversation_id as string;
    const sent = await alice.client.call('message/send', {
      target: { type: 'user', id: others[0].userId },
      content: { type: 'text', text: 'hi' },
    });
    messageId = sent.message_id as string;
    messageSeq = sent.seq as number;
  });
  afterAll(() => app?.close());

  it('finds the examples, and every one marked as a request is valid JSON', () => {
    expect(all.flatMap((r) => r.broken)).toEqual([]);
    // The docs show at least login, send, history, groups and the heartbeat: the extractor works.
    const commands = new Set(all.flatMap((r) => r.frames.map((f) => f.frame.command)));
    for (const c of [
      'auth/login',
      'auth/register',
      'message/send',
      'message/history',
      'group/create',
      'presence/heartbeat',
    ])
      expect(commands).toContain(c);
  });

  /** The example with its illustrative ids replaced by real ones of the same kind. */
  function realise(
    frame: Record<string, any>,
    n: number,
    session: { token: string; refresh_token: string; session_id: string },
  ): Record<string, any> {
    const users = new Map<string, string>();
    const userFor = (placeholder: string) => {
      if (!users.has(placeholder))
        users.set(placeholder, others[users.size % others.length].userId);
      return users.get(placeholder)!;
    };
    const swap = (value: unknown, key?: string): unknown => {
      if (Array.isArray(value)) return value.map((v) => swap(v));
      if (value && typeof value === 'object')
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v, k)]));
      // A message position in an example is illustrative: point it at the message that exists.
      if (key === 'seq' && typeof value === 'number' && frame.command !== 'presence/heartbeat')
        return messageSeq;
      if (typeof value !== 'string') return value;
      if (key === 'Authorization' || key === 'authorization') return `Bearer ${session.token}`;
      if (key === 'password') return alice.password;
      if (key === 'refresh_token') return session.refresh_token;
      if (/^u-/.test(value)) return userFor(value);
      if (/^g-/.test(value)) return groupId;
      if (/^d-/.test(value)) return directId(alice.userId, others[0].userId);
      if (/^m-/.test(value)) return messageId;
      if (/^s-/.test(value)) return session.session_id;
      return value;
    };
    const real = swap(frame) as Record<string, any>;
    // A missing id stays missing: that is a mistake the docs must not make.
    if (frame.id !== undefined) real.id = `doc-${n}-${String(frame.id)}`;
    if (typeof real.timestamp === 'number') real.timestamp = Math.floor(Date.now() / 1000);
    if (frame.command === 'auth/register')
      real.payload = { ...real.payload, username: `docs_${n}_${Date.now() % 1e6}` };
    if (frame.command === 'auth/login')
      real.payload = { ...real.payload, username: alice.username };
    // A directory query for a name in the docs ("bob") looks up a user that exists here.
    if (frame.command === 'user/lookup')
      real.payload = { ...real.payload, query: others[0].username };
    return real;
  }

  it('sends every request example and none is refused as malformed', async () => {
    // Session-ending examples (logout, kick) run last, on their own connection.
    const frames = all.flatMap((r) => r.frames);
    const ending = (f: DocFrame) => ['auth/logout', 'auth/kick'].includes(f.frame.command);
    const ordered = [...frames.filter((f) => !ending(f)), ...frames.filter(ending)];
    const refused: string[] = [];
    let n = 0;
    for (const { where, frame } of ordered) {
      n++;
      const client = await app.connect();
      const session = await login(client, alice.username, alice.password, `docs-${n}`);
      const real = realise(frame, n, session);
      if (real.type === 'event') {
        // A client event is answered only by an echo or a refusal; a ping behind it bounds the wait.
        let seen: { payload?: Record<string, any>; command?: string } | undefined;
        void client
          .waitFor(
            (f) =>
              f.id === real.id ||
              f.command === 'control/error' ||
              (f.type === 'response' && Number(f.payload?.status) >= 400),
            { includePast: false, timeoutMs: 10_000 },
          )
          .then(
            (f) => (seen = f),
            () => undefined,
          );
        client.writeRaw(JSON.stringify(real) + '\n');
        await client.call('control/ping', {});
        if (seen && (seen.command === 'control/error' || (seen.payload?.status ?? 200) >= 400))
          refused.push(`${where} ${frame.command}: ${JSON.stringify(seen.payload)}`);
      } else {
        client.writeRaw(JSON.stringify(real) + '\n');
        const answer = await client.waitFor(
          (f) => f.type === 'response' && (f.id === real.id || real.id === undefined),
        );
        const { status, error_code } = answer.payload;
        // Accepted = it reached the handler: no envelope/payload/command/auth refusal.
        if (
          status === 400 ||
          status === 401 ||
          (status === 404 && error_code === 'UNKNOWN_COMMAND') ||
          status >= 500
        ) {
          refused.push(
            `${where} ${frame.command}: ${status} ${error_code} ${answer.payload.error_message ?? ''}`,
          );
        }
      }
      await client.close();
    }
    expect(refused).toEqual([]);
    expect(n).toBeGreaterThanOrEqual(15);
  });
});
