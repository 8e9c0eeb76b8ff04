// The reference web client: plain ES modules, no framework, the browser SDK bundle for everything
// that talks to the server (SwitchboardSession over WebSocket: login, reconnect with backoff, catch
// up after a drop; uploadBlob/downloadBytes for files). Served at /app when WEB_APP=on.
import { SwitchboardSession, uploadBlob, downloadBytes } from '/app/switchboard.js';

const $ = (id) => document.getElementById(id);
const REFRESH_KEY = 'switchboard.refresh';
const TYPING_RESEND_MS = 2500;

/** @type {SwitchboardSession | undefined} */
let session;
let me = { userId: '', username: '' };
/** The open conversation: { conversationId?, target: {type, id}, title, peerId?, before?, seqs: Set<number>, lastSeq } */
let current;
const names = new Map();
const conversations = new Map();
let typingSentAt = 0;
const typers = new Map();

function setState(state, text) {
  document.body.dataset.state = state;
  $('status').textContent = text;
  $('status').classList.toggle('offline', state !== 'connected');
}

async function wsUrl() {
  const res = await fetch('/app/config.json');
  if (!res.ok) throw new Error(await res.text());
  return (await res.json()).wsUrl;
}

// ---------------------------------------------------------------- sign in / out

async function start(credentials) {
  setState('connecting', 'Connecting…');
  session = await SwitchboardSession.start({
    url: await wsUrl(),
    ...credentials,
    device: 'web',
    clientVersion: 'web-0.1.0',
    heartbeat: true,
    autoRefresh: true,
    startFrom: 'now',
    reconnect: { baseMs: 250, maxMs: 4000 },
  });
  wire(session);
  me = { userId: session.userId, username: credentials.username ?? (await nameOf(session.userId)) };
  names.set(me.userId, me.username);
  $('me').textContent = `Signed in as ${me.username}`;
  $('sign-in-view').hidden = true;
  $('chat-view').hidden = false;
  $('sign-out').hidden = false;
  setState('connected', 'Connected');
  await loadInbox();
  $('new-chat-user').focus();
}

function wire(s) {
  s.on('tokens', (t) => sessionStorage.setItem(REFRESH_KEY, t.refresh_token));
  s.on('disconnected', () => setState('reconnecting', 'Connection lost, reconnecting…'));
  s.on('reconnecting', ({ attempt }) => setState('reconnecting', `Reconnecting (attempt ${attempt})…`));
  s.on('connected', ({ reconnect }) => {
    setState('connected', 'Connected');
    if (reconnect) void loadInbox();
  });
  s.on('message', (m) => onMessage(m));
  s.on('typing', (t) => onTyping(t));
  s.on('presence', (p) => {
    if (current?.peerId === p.user_id) showPresence(p.status);
  });
  s.on('receipt', (r) => {
    if (r.state === 'read' && r.conversation_id === current?.conversationId && r.user_id !== me.userId) $('seen').textContent = `Seen up to message ${r.seq}`;
  });
  s.on('warning', (err) => console.warn(err));
  s.on('ended', (end) => {
    if (end.kind !== 'closed') signedOut(`Session ended (${end.kind}${end.reason ? `: ${end.reason}` : ''}). Sign in again.`);
  });
}

function signedOut(message = '') {
  session = undefined;
  current = undefined;
  sessionStorage.removeItem(REFRESH_KEY);
  $('chat-view').hidden = true;
  $('sign-out').hidden = true;
  $('me').textContent = '';
  $('sign-in-view').hidden = false;
  $('sign-in-error').textContent = message;
  setState('signed-out', 'Not connected');
  $('username').focus();
}

$('sign-in').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('sign-in-error').textContent = '';
  try {
    await start({ username: $('username').value.trim(), password: $('password').value });
  } catch (err) {
    setState('signed-out', 'Not connected');
    $('sign-in-error').textContent = err.payload?.error_message ?? err.message;
  }
});

$('register-button').addEventListener('click', async () => {
  $('sign-in-error').textContent = '';
  const username = $('username').value.trim();
  const password = $('password').value;
  if (!username || !password) return void ($('sign-in-error').textContent = 'Enter a username and a password first.');
  try {
    // Registration needs no login: a short-lived session-less request on its own connection.
    const { SwitchboardClient } = await import('/app/switchboard.js');
    const client = await SwitchboardClient.connect({ url: await wsUrl(), timeoutMs: 10_000 });
    try {
      await client.call('auth/register', { username, password });
    } finally {
      await client.close();
    }
    await start({ username, password });
  } catch (err) {
    $('sign-in-error').textContent = err.payload?.error_message ?? err.message;
  }
});

$('sign-out').addEventListener('click', async () => {
  const s = session;
  signedOut();
  if (s) {
    await s.call('auth/logout').catch(() => undefined);
    await s.close();
  }
});

// ---------------------------------------------------------------- inbox

async function nameOf(userId) {
  if (names.has(userId)) return names.get(userId);
  try {
    const { user } = await session.call('user/profile', { user_id: userId });
    names.set(userId, user.username);
    return user.username;
  } catch {
    return userId;
  }
}

async function loadInbox() {
  const { conversations: list } = await session.conversations({ limit: 50 });
  conversations.clear();
  for (const c of list) {
    c.title = c.kind === 'group' ? c.title : await nameOf(c.peer_id);
    conversations.set(c.conversation_id, c);
  }
  renderInbox();
}

function renderInbox() {
  const ul = $('conversations');
  ul.replaceChildren();
  for (const c of conversations.values()) {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.conversation = c.conversation_id;
    button.setAttribute('aria-current', String(current?.conversationId === c.conversation_id));
    const title = document.createElement('span');
    title.textContent = c.title ?? c.conversation_id;
    button.append(title);
    const badge = document.createElement('span');
    if (c.unread_count > 0 && current?.conversationId !== c.conversation_id) {
      badge.className = 'badge';
      badge.textContent = String(c.unread_count);
      badge.setAttribute('aria-label', `${c.unread_count} unread`);
    }
    button.append(badge);
    const preview = document.createElement('span');
    preview.className = 'preview';
    preview.textContent = c.preview ?? '';
    button.append(preview);
    button.addEventListener('click', () => openConversation(c));
    li.append(button);
    ul.append(li);
  }
}

$('new-chat').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('new-chat-error').textContent = '';
  const query = $('new-chat-user').value.trim();
  try {
    const { exact } = await session.call('user/lookup', { query });
    if (!exact) return void ($('new-chat-error').textContent = `No user named ${query}.`);
    names.set(exact.user_id, exact.username);
    const existing = [...conversations.values()].find((c) => c.kind === 'direct' && c.peer_id === exact.user_id);
    await openConversation(existing ?? { kind: 'direct', peer_id: exact.user_id, title: exact.username });
    $('new-chat-user').value = '';
  } catch (err) {
    $('new-chat-error').textContent = err.payload?.error_message ?? err.message;
  }
});

// ---------------------------------------------------------------- conversation

async function openConversation(c) {
  current = {
    conversationId: c.conversation_id,
    target: c.kind === 'group' ? { type: 'group', id: c.conversation_id } : { type: 'user', id: c.peer_id },
    title: c.title,
    peerId: c.kind === 'direct' ? c.peer_id : undefined,
    before: undefined,
    seqs: new Set(),
    lastSeq: 0,
  };
  $('conversation').hidden = false;
  $('conversation-title').textContent = c.title ?? '';
  $('messages').replaceChildren();
  $('seen').textContent = '';
  $('typing').textContent = '';
  $('older').hidden = true;
  showPresence(undefined);
  renderInbox();
  if (current.peerId) {
    session.call('presence/list', { user_ids: [current.peerId] }).then((r) => showPresence(r.users[0]?.status)).catch(() => undefined);
  }
  if (current.conversationId) await loadOlder(true);
  $('message-text').focus();
}

function showPresence(status) {
  const el = $('peer-presence');
  el.className = `presence ${status === undefined ? '' : status === 'offline' ? 'offline' : 'online'}`;
  el.textContent = status ?? '';
}

async function loadOlder(first = false) {
  const open = current;
  if (!open?.conversationId) return;
  const page = await session.call('message/history', { conversation_id: open.conversationId, limit: 30, ...(open.before ? { before: open.before } : {}) });
  if (open !== current) return;
  const list = $('messages');
  const height = list.scrollHeight;
  const fragment = document.createDocumentFragment();
  for (const m of page.messages) if (!open.seqs.has(m.seq)) fragment.append(renderMessage(m));
  list.prepend(fragment);
  open.before = page.next_cursor ?? undefined;
  $('older').hidden = !page.has_more || !open.before;
  if (first) list.scrollTop = list.scrollHeight;
  else list.scrollTop += list.scrollHeight - height;
  markRead();
}

$('older').addEventListener('click', () => void loadOlder());
$('messages').addEventListener('scroll', () => {
  if ($('messages').scrollTop === 0 && !$('older').hidden) void loadOlder();
});

function renderMessage(m) {
  current.seqs.add(m.seq);
  current.lastSeq = Math.max(current.lastSeq, m.seq);
  const li = document.createElement('li');
  li.dataset.seq = String(m.seq);
  li.className = m.sender_id === me.userId ? 'mine' : '';
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = `${names.get(m.sender_id) ?? m.sender_id} · ${new Date(m.sent_at_ms ?? m.sent_at * 1000).toLocaleTimeString()}`;
  li.append(who);
  if (!names.has(m.sender_id)) void nameOf(m.sender_id).then((n) => (who.textContent = who.textContent.replace(m.sender_id, n)));
  const body = document.createElement('span');
  body.className = 'text';
  const content = m.content ?? {};
  if (content.type === 'file-ref') {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'file-link';
    button.textContent = `File: ${content.name ?? 'file'}${typeof content.size === 'number' ? ` (${formatSize(content.size)})` : ''}`;
    button.setAttribute('aria-label', `Download ${content.name ?? 'file'}`);
    button.addEventListener('click', () => void download(content));
    body.append(button);
  } else if (content.type === 'recalled') {
    body.textContent = '(message recalled)';
  } else {
    body.textContent = content.text ?? content.emoji ?? `[${content.type}]`;
  }
  li.append(body);
  return li;
}

function appendMessage(m) {
  if (!current || current.seqs.has(m.seq)) return;
  const list = $('messages');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.append(renderMessage(m));
  if (atBottom || m.sender_id === me.userId) list.scrollTop = list.scrollHeight;
}

function onMessage(m) {
  if (current && !current.conversationId && current.peerId && m.conversation_id.startsWith('d-') && (m.sender_id === current.peerId || m.sender_id === me.userId)) {
    current.conversationId = m.conversation_id;
  }
  if (current?.conversationId === m.conversation_id) {
    appendMessage(m);
    if (m.sender_id !== me.userId) {
      clearTypist(m.sender_id);
      markRead();
    }
  }
  const c = conversations.get(m.conversation_id);
  if (c) {
    c.preview = m.content?.type === 'file-ref' ? `File: ${m.content.name ?? ''}` : m.content?.text ?? `[${m.content?.type}]`;
    if (m.sender_id !== me.userId && current?.conversationId !== m.conversation_id) c.unread_count = (c.unread_count ?? 0) + 1;
    // Most recent activity first: this conversation moves to the top.
    const rest = [...conversations.entries()].filter(([id]) => id !== m.conversation_id);
    conversations.clear();
    for (const [id, entry] of [[m.conversation_id, c], ...rest]) conversations.set(id, entry);
    renderInbox();
  } else {
    void loadInbox();
  }
}

let readTimer;
function markRead() {
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    if (!current?.conversationId || !current.lastSeq || document.hidden) return;
    const c = conversations.get(current.conversationId);
    if (c && c.read_seq >= current.lastSeq) return;
    session?.markRead(current.conversationId, current.lastSeq).then(() => {
      if (c) {
        c.read_seq = current.lastSeq;
        c.unread_count = 0;
        renderInbox();
      }
    }).catch(() => undefined);
  }, 200);
}

// ---------------------------------------------------------------- compose, typing

async function send() {
  const text = $('message-text').value;
  if (!current || text.trim() === '') return;
  $('message-text').value = '';
  stopTyping();
  try {
    const res = await session.send(current.target, text);
    if (!current.conversationId) current.conversationId = res.conversation_id;
    appendMessage({ message_id: res.message_id, conversation_id: res.conversation_id, seq: res.seq, sender_id: me.userId, sent_at: res.sent_at, sent_at_ms: res.sent_at_ms, content: { type: 'text', text } });
    if (!conversations.has(res.conversation_id)) void loadInbox();
  } catch (err) {
    $('message-text').value = text;
    $('transfers').textContent = `Not sent: ${err.payload?.error_message ?? err.message}`;
  }
}

$('compose').addEventListener('submit', (e) => {
  e.preventDefault();
  void send();
});
$('message-text').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    void send();
  }
});
$('message-text').addEventListener('input', () => {
  if (!current?.conversationId) return;
  if ($('message-text').value === '') return stopTyping();
  if (Date.now() - typingSentAt < TYPING_RESEND_MS) return;
  typingSentAt = Date.now();
  session.typing(current.conversationId, 'start').catch(() => undefined);
});

function stopTyping() {
  if (typingSentAt === 0 || !current?.conversationId) return;
  typingSentAt = 0;
  session.typing(current.conversationId, 'stop').catch(() => undefined);
}

function onTyping(t) {
  if (t.conversation_id !== current?.conversationId || t.user_id === me.userId) return;
  if (t.state === 'start') {
    clearTimeout(typers.get(t.user_id));
    typers.set(t.user_id, setTimeout(() => clearTypist(t.user_id), t.expires_in_ms ?? 6000));
  } else clearTypist(t.user_id);
  renderTypers();
}

function clearTypist(userId) {
  clearTimeout(typers.get(userId));
  typers.delete(userId);
  renderTypers();
}

function renderTypers() {
  const who = [...typers.keys()].map((id) => names.get(id) ?? 'someone');
  $('typing').textContent = who.length === 0 ? '' : `${who.join(', ')} ${who.length === 1 ? 'is' : 'are'} typing…`;
}

// ---------------------------------------------------------------- files

function formatSize(bytes) {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function progressRow(label) {
  const row = document.createElement('div');
  const text = document.createElement('span');
  text.textContent = label;
  const bar = document.createElement('progress');
  bar.max = 1;
  bar.value = 0;
  bar.setAttribute('aria-label', label);
  row.append(text, bar);
  $('transfers').append(row);
  return {
    update: ({ bytes, total }) => (bar.value = total ? bytes / total : 1),
    done: (message) => {
      text.textContent = message;
      bar.value = 1;
      row.dataset.done = 'true';
    },
  };
}

$('file-input').addEventListener('change', async () => {
  const file = $('file-input').files[0];
  $('file-input').value = '';
  if (!file || !current) return;
  const row = progressRow(`Uploading ${file.name}`);
  try {
    await uploadBlob(session.connection, file, current.target, { onProgress: row.update });
    row.done(`Uploaded ${file.name}`);
  } catch (err) {
    row.done(`Upload of ${file.name} failed: ${err.message}`);
  }
});

async function download(content) {
  const name = content.name ?? 'file';
  const row = progressRow(`Downloading ${name}`);
  try {
    const { bytes, mime } = await downloadBytes(session.connection, content.file_id, { onProgress: row.update });
    const url = URL.createObjectURL(new Blob([bytes], { type: mime ?? content.mime ?? 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    row.done(`Downloaded ${name}`);
  } catch (err) {
    row.done(`Download of ${name} failed: ${err.message}`);
  }
}

// ---------------------------------------------------------------- start

const stored = sessionStorage.getItem(REFRESH_KEY);
if (stored) {
  start({ refreshToken: stored }).catch(() => signedOut('Your session expired. Sign in again.'));
} else {
  setState('signed-out', 'Not connected');
}
