/**
 * Relay baseline: the least a newline-JSON chat relay can do with Node's `net`, storing nothing.
 * `bench/hello {user_id, groups}` names the connection; `message/send` to a user or a group is
 * answered to the sender and pushed as `message/event` to the recipients' connections (the
 * sender's own connection excluded), all output of one received chunk written once per socket.
 * `control/ping` and any other command are answered like a ping. No validation, no auth.
 */
import * as net from 'node:net';

interface Frame {
  id: string;
  command: string;
  payload: { user_id?: string; groups?: string[]; target?: { type: string; id: string }; content?: unknown };
}

const port = Number(process.env.PORT ?? 0);
const byUser = new Map<string, Set<net.Socket>>();
const groups = new Map<string, Set<string>>();
const pending = new Map<net.Socket, string>();
const seqs = new Map<string, number>();
let nextId = 0;

function queue(socket: net.Socket, frame: unknown): void {
  pending.set(socket, (pending.get(socket) ?? '') + JSON.stringify(frame) + '\n');
}

function flush(): void {
  for (const [socket, text] of pending) socket.write(text);
  pending.clear();
}

function handle(socket: net.Socket, state: { user?: string }, frame: Frame): void {
  const now = Date.now();
  const timestamp = Math.floor(now / 1000);
  const reply = (payload: Record<string, unknown>) =>
    queue(socket, { id: frame.id, type: 'response', timestamp, command: frame.command, headers: { version: '1.0' }, payload: { status: 200, ...payload } });
  if (frame.command === 'bench/hello') {
    state.user = String(frame.payload.user_id);
    if (!byUser.has(state.user)) byUser.set(state.user, new Set());
    byUser.get(state.user)!.add(socket);
    for (const g of frame.payload.groups ?? []) {
      if (!groups.has(g)) groups.set(g, new Set());
      groups.get(g)!.add(state.user);
    }
    return reply({ user_id: state.user });
  }
  if (frame.command !== 'message/send') return reply({ server_time: timestamp, server_time_ms: now });
  const target = frame.payload.target!;
  const conversationId = target.type === 'group' ? target.id : [state.user, target.id].sort().join(':');
  const seq = (seqs.get(conversationId) ?? 0) + 1;
  seqs.set(conversationId, seq);
  const messageId = `m-${++nextId}`;
  reply({ message_id: messageId, conversation_id: conversationId, seq, sent_at: timestamp, sent_at_ms: now });
  const recipients = target.type === 'group' ? [...(groups.get(target.id) ?? [])] : [state.user!, target.id];
  const event = {
    id: `e-${messageId}`,
    type: 'event',
    timestamp,
    command: 'message/event',
    headers: { version: '1.0' },
    payload: { status: 200, message: { message_id: messageId, conversation_id: conversationId, seq, sender_id: state.user, content: frame.payload.content, sent_at: timestamp, sent_at_ms: now } },
  };
  for (const user of recipients) {
    for (const s of byUser.get(user) ?? []) if (s !== socket) queue(s, event);
  }
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.setEncoding('utf8');
  const state: { user?: string } = {};
  let rest = '';
  socket.on('data', (chunk: string) => {
    const text = rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      handle(socket, state, JSON.parse(text.slice(start, nl)) as Frame);
      start = nl + 1;
    }
    rest = text.slice(start);
    flush();
  });
  socket.on('close', () => {
    if (state.user) byUser.get(state.user)?.delete(socket);
  });
  socket.on('error', () => undefined);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`LISTENING ${(server.address() as net.AddressInfo).port}`);
});
process.on('SIGTERM', () => process.exit(0));
