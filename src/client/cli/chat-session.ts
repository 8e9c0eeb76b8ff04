/**
 * The chat client without a terminal: input lines in → requests out; session events in →
 * printed lines out. A thin renderer over the SDK's SwitchboardSession, which does the work a
 * client must do (reconnects, re-login with the refresh token, catch-up by sync, heartbeats,
 * refresh before expiry, delivered acks, notification acks). The readline wiring lives in
 * chat-cli.ts, so tests drive this class in-process against a real server.
 */
import { EventEmitter } from 'node:events';
import type { Envelope } from '../../shared/protocol';
import type { BackoffOptions } from '../backoff';
import type { MessageSource } from '../message-stream';
import { deviceSignIn } from '../device-sign-in';
import { SessionEnd, SwitchboardError, SwitchboardSession } from '../session';
import { ClientOptions, ResponsePayload, SwitchboardClient } from '../switchboard-client';
import { CONTACT_ACTIONS, ChatCommand, HELP_TEXT, parseCommand } from './chat-commands';
import { FileTransport, getFile, sendFile } from './chat-files';
import { clock, formatCard, inline, formatConversation, formatEntry, formatError, formatMessage, formatNotification, formatPresence, formatReceipt, printable, sentAtMs, WireMessage } from './chat-format';
import { NameBook } from './chat-names';
import { ChatActions } from './chat-actions';
import { ChatLookup } from './chat-lookup';
import { ChatState } from './chat-state';

export const CLI_VERSION = 'cli-0.2.0';

export interface ChatSessionOptions extends Omit<ClientOptions, 'timeoutMs' | 'port'> {
  port: number;
  print(line: string): void;
  /** Redraws a progress line in place (terminals); without it progress prints at 25 % steps. */
  progress?(line: string): void;
  /** `client_info.device` of the login (sessions are per device). */
  device?: string;
  /** Reconnect backoff (tests shorten it); false: a lost connection ends the chat. */
  reconnect?: false | BackoffOptions;
  requestTimeoutMs?: number;
  /**
   * Where this account's state lives between runs (chat-state.ts): the stream position, names,
   * own message ids. Without it every run starts from the beginning of history.
   */
  stateDir?: string;
  /** Show ids next to names from the start (`--ids`). */
  showIds?: boolean;
}

/** Why the session ended: the CLI maps it to an exit code. */
export type EndReason = { kind: 'quit' } | { kind: 'kicked'; reason: string } | { kind: 'closed'; error?: string };

export interface ChatSessionEvents {
  heartbeat: [seq: number, rttMs: number | undefined];
  refreshed: [expiresInS: number];
  acked: [conversationId: string, seq: number];
  reconnected: [];
}

const USER_ID = /^u-[0-9a-f]{16}$/;

export class ChatSession extends EventEmitter<ChatSessionEvents> {
  userId?: string;
  username?: string;
  sessionId?: string;
  /** The SDK session once logged in (tests reach the connection through it). */
  session?: SwitchboardSession;
  /** Resolves once, when the chat is over (quit, kick, or the session could not go on). */
  readonly ended: Promise<EndReason>;
  private endWith!: (reason: EndReason) => void;
  private isEnded = false;
  private lastServerError?: string;
  /** Names instead of ids (learnt from what the server tells us, kept in the state file). */
  readonly names: NameBook;
  private readonly state?: ChatState;
  private readonly lookup: ChatLookup;
  private readonly actions: ChatActions;
  /** Ids of messages this account sent from here: not printed back when the stream brings them. */
  private readonly sent = new Set<string>();
  /** file_id → the name it was sent under (for /get). */
  private readonly fileNames = new Map<string, string>();
  /** Messages held back until the first sync after login ends: printed together, in time order. */
  private catchUp?: WireMessage[] = [];
  /** Lines go out in order, also those that wait for a name lookup. */
  private out: Promise<void> = Promise.resolve();

  constructor(private readonly options: ChatSessionOptions) {
    super();
    this.ended = new Promise((resolve) => (this.endWith = resolve));
    this.state = options.stateDir ? new ChatState(options.stateDir) : undefined;
    this.names = new NameBook(this.state?.memory.names);
    this.names.showIds = options.showIds ?? false;
    for (const id of this.state?.memory.sent ?? []) this.sent.add(id);
    this.lookup = new ChatLookup(
      this.names,
      () => this.session!,
      () => this.userId!,
      (line) => this.print(line),
    );
    this.actions = new ChatActions({
      session: () => this.session!,
      me: () => this.userId!,
      names: this.names,
      lookup: this.lookup,
      print: (line) => this.print(line),
      printWith: (ids, lines) => this.printWith(ids, lines),
      call: (command, payload) => this.call(command, payload),
      noteSent: (p) => this.noteSent(p),
    });
  }

  /** Every line goes out escaped (chat-format `printable`): no control or bidi character of a peer's reaches the terminal. */
  private print(line: string): void {
    this.out = this.out.then(() => this.options.print(printable(line)));
  }

  /** Prints lines built once the names of these users are known (looked up if need be), in order. */
  private printWith(userIds: (string | undefined)[], lines: () => string[]): void {
    this.out = this.out.then(async () => {
      await this.lookup.learnUsers(userIds);
      for (const line of lines()) this.options.print(printable(line));
    });
  }

  /** Resolves when everything queued so far is printed (tests, quit). */
  flushed(): Promise<void> {
    return this.out;
  }

  private saveState(): void {
    if (!this.state) return;
    try {
      this.state.save(this.names.toJSON());
    } catch (err) {
      this.options.print(`! cannot save the chat state in ${this.state.dir}: ${(err as Error).message}`);
    }
  }

  /** auth/register on a short-lived connection; true when the account exists afterwards (created now, or the name was taken). */
  async register(username: string, password: string): Promise<boolean> {
    const client = await SwitchboardClient.connect({ ...this.options, timeoutMs: this.options.requestTimeoutMs ?? 30_000 });
    try {
      const res = await client.request('auth/register', { username, password });
      if (res.payload.status < 300) {
        this.print(`registered ${res.payload.username}`);
        return true;
      }
      // Re-running the same command line must not fail: a taken name may be ours, login will tell.
      if (res.payload.error_code === 'USERNAME_TAKEN') return true;
      this.print(formatError('auth/register', res.payload));
      return false;
    } finally {
      await client.close();
    }
  }

  /**
   * Company sign-in without a browser here (auth/oidc-start / auth/oidc-poll): prints where to go
   * and the code, waits for the approval, then starts the session with the tokens it gave.
   */
  async deviceLogin(provider: string): Promise<boolean> {
    let tokens: Record<string, unknown>;
    try {
      tokens = await deviceSignIn({
        ...this.options,
        provider,
        device: this.options.device ?? 'cli',
        clientVersion: CLI_VERSION,
        onCode: (c) => this.print(`to sign in, open ${c.verification_uri_complete ?? c.verification_uri} and enter the code ${c.user_code} (valid ${Math.round(c.expires_in / 60)} min)`),
      });
    } catch (err) {
      this.print(err instanceof SwitchboardError ? formatError(err.command, err.payload) : `! cannot connect: ${(err as Error).message}`);
      return false;
    }
    return this.login(undefined, undefined, { refreshToken: tokens.refresh_token as string });
  }

  /** Logs in and starts the session (heartbeats, refresh, acks, reconnects). False (error printed) on failure. */
  async login(username: string | undefined, password: string | undefined, via: { provider?: string; refreshToken?: string } = {}): Promise<boolean> {
    let session: SwitchboardSession;
    try {
      session = await SwitchboardSession.start({
        ...this.options,
        username,
        password,
        provider: via.provider,
        refreshToken: via.refreshToken,
        device: this.options.device ?? 'cli',
        clientVersion: CLI_VERSION,
        requestTimeoutMs: this.options.requestTimeoutMs ?? 30_000,
        reconnect: this.options.reconnect,
        heartbeat: true,
        autoRefresh: true,
        // What the CLI prints is what the user read: unread counts (/list) follow it.
        autoAck: 'read',
        ackNotifications: true,
        eventHistory: 100,
        cursorStore: this.state?.cursor,
      });
    } catch (err) {
      this.print(err instanceof SwitchboardError ? formatError('auth/login', err.payload) : `! cannot connect: ${(err as Error).message}`);
      return false;
    }
    this.session = session;
    this.userId = session.userId;
    // Signed in through a provider: the server chose the username.
    username ??= ((await session.call('user/profile', { user_id: session.userId })) as { user: { username: string } }).user.username;
    this.username = username;
    this.sessionId = session.sessionId;
    this.names.me = session.userId;
    this.names.learnUser(session.userId, username);
    this.print(`logged in as ${username}${this.names.showIds ? ` (${session.userId}, session ${session.sessionId})` : ''}; /help lists the commands`);
    this.wire(session);
    await this.lookup.learnDirectory();
    return true;
  }

  /** Runs one input line. Resolves false when the user asked to quit. */
  async execute(line: string): Promise<boolean> {
    const parsed = parseCommand(line);
    if (!parsed.ok) {
      this.print(parsed.error);
      return true;
    }
    if (!parsed.command) return true;
    if (parsed.command.kind === 'quit') {
      await this.quit();
      return false;
    }
    if (!this.session || this.isEnded) {
      this.print('! not connected');
      return true;
    }
    try {
      await this.run(parsed.command);
    } catch (err) {
      if (!this.isEnded) this.print(`! ${(err as Error).message}`);
    }
    return true;
  }

  /** Ends the chat by closing the connection (the server session stays valid for a re-login). */
  async quit(): Promise<void> {
    this.finish({ kind: 'quit' });
    await this.session?.close();
    await this.out;
    this.saveState();
  }

  // ----------------------------------------------------------------------------------------------

  private async call(command: string, payload: Record<string, unknown>): Promise<ResponsePayload | undefined> {
    const p = await this.session!.request(command, payload);
    if (p.status >= 300) {
      this.print(formatError(command, p));
      return undefined;
    }
    return p;
  }

  private noteSent(p: ResponsePayload): void {
    if (typeof p.message_id !== 'string') return;
    this.sent.add(p.message_id);
    this.state?.rememberSent(p.message_id);
    this.actions.noteShown({ conversation_id: String(p.conversation_id), seq: Number(p.seq), message_id: p.message_id, sender_id: this.userId! });
  }

  private async run(cmd: Exclude<ChatCommand, { kind: 'quit' }>): Promise<void> {
    switch (cmd.kind) {
      case 'help':
        this.print(HELP_TEXT);
        return;
      case 'to':
      case 'group-send': {
        const id = cmd.kind === 'to' ? await this.lookup.resolve(cmd.user) : await this.lookup.resolveGroup(cmd.group);
        if (!id) return;
        const p = await this.call('message/send', { target: { type: cmd.kind === 'to' ? 'user' : 'group', id }, content: { type: 'text', text: cmd.text } });
        if (!p) return;
        this.noteSent(p);
        this.print(`→ sent to ${this.names.conversation(String(p.conversation_id))}${this.names.showIds ? ` #${p.seq} (${p.message_id})` : ''}`);
        return;
      }
      case 'edit':
      case 'recall':
      case 'react':
      case 'thread':
      case 'pin':
      case 'pins':
      case 'inbox':
      case 'search':
      case 'mute':
      case 'send-direct':
      case 'receive':
        return this.actions.run(cmd);
      case 'ids':
        this.names.showIds = cmd.on;
        this.print(cmd.on ? 'ids are shown next to names' : 'ids are hidden (names only)');
        return;
      case 'contact': {
        const payload = { username: cmd.user, ...(cmd.note ? { note: cmd.note } : {}) };
        const p = await this.call(CONTACT_ACTIONS[cmd.action], payload);
        if (p) this.print(`${cmd.action}: ${formatCard(p.user)}`);
        return;
      }
      case 'contacts': {
        const p = await this.call('contact/list', { ...(cmd.state ? { state: cmd.state } : {}), limit: 100 });
        if (!p) return;
        const list = p.contacts as Record<string, any>[];
        this.print(list.length === 0 ? 'no contacts yet (/add <username>)' : `${list.length} contact(s)${p.has_more ? ' (more exist)' : ''}:`);
        for (const c of list) {
          this.names.learn(c);
          this.print(`  ${formatCard(c)}`);
        }
        return;
      }
      case 'whois': {
        const p = await this.call('user/profile', USER_ID.test(cmd.user) ? { user_id: cmd.user } : { username: cmd.user });
        if (p) this.print(formatCard(p.user));
        return;
      }
      case 'find': {
        const p = await this.call('user/lookup', { query: cmd.query });
        if (!p) return;
        const users = p.users as Record<string, any>[];
        // Under 3 characters the directory matches whole usernames only (no prefix search).
        const short = cmd.query.length < 3 ? `; a prefix search needs at least 3 characters, "${cmd.query}" only matches a user called exactly that` : '';
        this.print(users.length === 0 ? `nobody found for "${cmd.query}"${short}` : `${users.length} user(s)${p.has_more ? ' (more: type more characters)' : ''}:`);
        for (const u of users) {
          this.names.learn(u);
          this.print(`  ${formatCard(u)}`);
        }
        return;
      }
      case 'group-create': {
        const members: string[] = [];
        for (const m of cmd.members) {
          const id = await this.lookup.resolve(m);
          if (!id) return;
          members.push(id);
        }
        const p = await this.call('group/create', { name: cmd.name, members });
        if (!p) return;
        this.names.learnGroup(p.conversation_id, p.name);
        const quoted = /\s/.test(String(p.name)) ? `"${p.name}"` : p.name;
        this.print(`created group "${p.name}"${this.names.showIds ? ` ${p.conversation_id}` : ''} with ${(p.members as { user_id: string }[]).length} members; send with /g ${quoted} <text>`);
        return;
      }
      case 'history': {
        const conversationId = await this.lookup.resolveConversation(cmd.conversation);
        if (!conversationId) return;
        const p = await this.call('message/history', { conversation_id: conversationId, ...(cmd.limit ? { limit: cmd.limit } : {}) });
        if (!p) return;
        const messages = p.messages as WireMessage[];
        this.printWith(
          messages.map((m) => m.sender_id),
          () => [`history of ${this.names.conversation(conversationId)}: ${messages.length} message(s)${p.has_more ? ', older ones exist' : ''}`, ...messages.map((m) => `  ${formatMessage(m, this.names)}`)],
        );
        return;
      }
      case 'list': {
        const p = await this.call('group/list', {});
        if (!p) return;
        const list = p.conversations as Record<string, any>[];
        for (const c of list) this.names.learn(c);
        this.printWith(
          list.flatMap((c) => [c.peer_id, c.last_message?.sender_id]),
          () => [list.length === 0 ? 'no conversations yet' : `${list.length} conversation(s)${p.has_more ? ' (more exist)' : ''}:`, ...list.map((c) => formatConversation(c, this.names))],
        );
        return;
      }
      case 'who': {
        const p = await this.call('presence/list', {});
        if (!p) return;
        const users = p.users as Record<string, any>[];
        this.printWith(
          users.map((u) => u.user_id),
          () => [users.length === 0 ? 'nobody you share a conversation with is online' : `online (${users.length}${p.has_more ? '+' : ''}):`, ...users.map((u) => `  ${formatPresence(u, this.names)}`)],
        );
        return;
      }
      case 'status': {
        const p = await this.call('presence/update', { status: cmd.status, ...(cmd.text !== undefined ? { text: cmd.text } : {}) });
        if (p) this.print(`status: ${p.presence?.status ?? cmd.status}${p.presence?.text ? ` "${p.presence.text}"` : ''}`);
        return;
      }
      case 'send-file':
      case 'get': {
        const conn = this.session!.connection;
        if (!conn) return this.print('! not connected (reconnecting); try again in a moment');
        const files: FileTransport = { upload: conn.upload.bind(conn), download: conn.download.bind(conn) };
        const progress = this.options.progress;
        const out = { print: (l: string) => this.print(l), progress: progress && ((l: string) => progress(printable(l))) };
        try {
          if (cmd.kind === 'send-file') {
            // A group by id or name (#name, or a name no user has), anyone else by username.
            const isGroup = cmd.to.startsWith('g-') || cmd.to.startsWith('#') || (this.names.groupIdsOf(cmd.to).length > 0 && !this.names.userIdOf(cmd.to));
            const to = isGroup ? await this.lookup.resolveGroup(cmd.to.replace(/^#/, '')) : await this.lookup.resolve(cmd.to);
            if (to) await sendFile(files, out, to, cmd.path, to.startsWith('g-') ? this.names.conversation(to) : this.names.user(to));
          } else await getFile(files, out, cmd.fileId, cmd.dest, this.fileNames.get(cmd.fileId));
        } catch (err) {
          this.print(`! ${cmd.kind === 'get' ? '/get' : '/send-file'} failed: ${(err as Error).message}`);
        }
        return;
      }
      case 'ping': {
        const started = Date.now();
        const p = await this.call('control/ping', {});
        if (p) this.print(`pong in ${Date.now() - started} ms (server time ${clock(Number(p.server_time_ms))})`);
        return;
      }
    }
  }

  private wire(session: SwitchboardSession): void {
    let logins = 0;
    session.on('message', (m, source: MessageSource) => this.onMessage(m as unknown as WireMessage, source));
    session.on('synced', () => this.endCatchUp());
    session.on('entry', (e) => {
      const entry = e as unknown as WireMessage & { kind?: string };
      if (this.catchUp) this.catchUp.push(entry);
      else this.printWith([entry.sender_id, this.names.peerOf(entry.conversation_id)], () => [formatEntry(entry, this.names)]);
    });
    session.on('typing', (p) => {
      if (p.state !== 'start' || p.user_id === this.userId) return;
      this.printWith([p.user_id, this.names.peerOf(p.conversation_id)], () => [`… ${this.names.user(p.user_id)} is typing in ${this.names.conversation(p.conversation_id)}`]);
    });
    session.on('receipt', (p) => this.printWith([p.by as string | undefined, ...((p.receipts as { by: string }[] | undefined) ?? []).map((r) => r.by)], () => formatReceipt(p, this.names)));
    session.on('presence', (p) => this.printWith([p.user_id as string], () => [`* ${formatPresence(p, this.names)}`]));
    session.on('notification', (p) => {
      const n = p as Record<string, any>;
      this.names.learn(n);
      this.printWith([n.by, n.new_owner_id, ...(Array.isArray(n.members) ? n.members : [])], () => [formatNotification(n, this.names)]);
    });
    session.on('event', (frame: Envelope) => this.onFrame(frame));
    session.on('heartbeat', (seq, rtt) => this.emit('heartbeat', seq, rtt));
    session.on('acked', (conversationId, seq) => this.emit('acked', conversationId, seq));
    session.on('tokens', (t) => {
      // The first tokens are the login's; later ones are refreshes (or a reconnect's refresh).
      if (logins++ > 0) this.emit('refreshed', Number(t.expires_in));
    });
    session.on('draining', ({ retryAfterMs }) => this.print(`! the server is restarting; reconnecting in ${Math.ceil(retryAfterMs / 1000)} s`));
    session.on('disconnected', () => this.print('! connection lost; reconnecting…'));
    session.on('reconnecting', ({ attempt, delayMs }) => {
      if (attempt > 1) this.print(`  still offline; next attempt in ${(delayMs / 1000).toFixed(1)} s`);
    });
    session.on('connected', ({ reconnect }) => {
      if (!reconnect) return;
      this.print('reconnected; catching up on what was missed');
      this.emit('reconnected');
    });
    void session.ended.then((end) => this.ended$(end));
  }

  private onMessage(m: WireMessage, source: MessageSource): void {
    const c = m.content ?? {};
    if ((c.type === 'file-ref' || c.type === 'voice') && typeof c.file_id === 'string' && typeof c.name === 'string') this.fileNames.set(c.file_id, c.name);
    // What this CLI sent comes back through the stream (sync, offline batches): already shown.
    this.actions.noteShown(m);
    if (this.sent.has(m.message_id)) return;
    if (this.catchUp && source !== 'live') {
      this.catchUp.push(m);
      return;
    }
    this.printWith([m.sender_id, this.names.peerOf(m.conversation_id)], () => [formatMessage(m, this.names)]);
    this.seen();
  }

  /** The first sync after login ended: what it brought is printed in time order under one marker. */
  private endCatchUp(): void {
    const held = this.catchUp;
    if (!held) return;
    this.catchUp = undefined;
    const since = this.state?.memory.seen_at;
    held.sort((a, b) => (sentAtMs(a) ?? 0) - (sentAtMs(b) ?? 0) || a.seq - b.seq);
    const ids = held.flatMap((m) => [m.sender_id, this.names.peerOf(m.conversation_id)]);
    this.printWith(ids, () => {
      if (held.length === 0) return since ? [`── nothing new since ${clock(since)} ──`] : [];
      const marker = since ? `── ${held.length} new since ${clock(since)} ──` : `── ${held.length} earlier message(s) ──`;
      return [marker, ...held.map((m) => ((m as { kind?: string }).kind ? formatEntry(m, this.names) : formatMessage(m, this.names)))];
    });
    this.seen();
  }

  private seen(): void {
    if (!this.state) return;
    this.state.memory.seen_at = Date.now();
  }

  private onFrame(frame: Envelope): void {
    const p = (frame.payload ?? {}) as Record<string, any>;
    if (frame.command === 'file/accept' && p.mode === 'active' && p.direction === 'download' && typeof p.transfer_id === 'string') {
      this.actions.offered(p);
      const seconds = Math.round(Number(p.fallback_after_ms ?? 10_000) / 1000);
      this.printWith([p.from], () => [`* ${this.names.user(p.from)} offers ${inline(String(p.file_name))} (${Number(p.file_size)} bytes) directly — /receive ${p.transfer_id} within ${seconds} s, or it comes through the server`]);
      return;
    }
    if (frame.command === 'auth/kick') {
      this.print(`! signed out by the server (auth/kick, reason: ${String(p.reason ?? 'unknown')}); log in again to continue`);
    } else if (frame.command === 'control/error') {
      this.lastServerError = `${p.error_code}: ${p.error_message}`;
      this.print(`! server error ${p.status} ${p.error_code}: ${p.error_message}`);
    }
  }

  private ended$(end: SessionEnd): void {
    if (end.kind === 'kicked') return this.finish({ kind: 'kicked', reason: end.reason });
    if (end.kind === 'auth-failed') this.print(`! the session cannot be renewed (${end.error}); log in again`);
    this.finish({ kind: 'closed', error: end.kind === 'auth-failed' ? end.error : this.lastServerError });
  }

  private finish(reason: EndReason): void {
    if (this.isEnded) return;
    this.isEnded = true;
    void this.out.then(() => this.saveState());
    if (reason.kind === 'closed') this.print(`connection closed${reason.error ? ` (${reason.error})` : ''}`);
    this.endWith(reason);
  }
}
