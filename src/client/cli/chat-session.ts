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
import { SessionEnd, SwitchboardError, SwitchboardSession } from '../session';
import { ClientOptions, ResponsePayload, SwitchboardClient } from '../switchboard-client';
import { CONTACT_ACTIONS, ChatCommand, HELP_TEXT, parseCommand } from './chat-commands';
import { FileTransport, getFile, sendFile } from './chat-files';
import { clock, formatCard, formatConversation, formatError, formatMessage, formatNotification, formatPresence, formatReceipt, printable, WireMessage } from './chat-format';

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
  /** username (lower case) → user id, learnt from lookups, contacts and notifications. */
  private readonly ids = new Map<string, string>();

  constructor(private readonly options: ChatSessionOptions) {
    super();
    this.ended = new Promise((resolve) => (this.endWith = resolve));
  }

  /** Every line goes out escaped (chat-format `printable`): no control or bidi character of a peer's reaches the terminal. */
  private print(line: string): void {
    this.options.print(printable(line));
  }

  /** auth/register on a short-lived connection; true when the account exists afterwards (created now, or the name was taken). */
  async register(username: string, password: string): Promise<boolean> {
    const client = await SwitchboardClient.connect({ ...this.options, timeoutMs: this.options.requestTimeoutMs ?? 30_000 });
    try {
      const res = await client.request('auth/register', { username, password });
      if (res.payload.status < 300) {
        this.print(`registered ${res.payload.username} (${res.payload.user_id})`);
        return true;
      }
      this.print(formatError('auth/register', res.payload));
      // Re-running the same command line must not fail: a taken name may be ours, login will tell.
      return res.payload.error_code === 'USERNAME_TAKEN';
    } finally {
      await client.close();
    }
  }

  /** Logs in and starts the session (heartbeats, refresh, acks, reconnects). False (error printed) on failure. */
  async login(username: string, password: string): Promise<boolean> {
    let session: SwitchboardSession;
    try {
      session = await SwitchboardSession.start({
        ...this.options,
        username,
        password,
        device: this.options.device ?? 'cli',
        clientVersion: CLI_VERSION,
        requestTimeoutMs: this.options.requestTimeoutMs ?? 30_000,
        reconnect: this.options.reconnect,
        heartbeat: true,
        autoRefresh: true,
        autoAck: 'delivered',
        ackNotifications: true,
        eventHistory: 100,
      });
    } catch (err) {
      this.print(err instanceof SwitchboardError ? formatError('auth/login', err.payload) : `! cannot connect: ${(err as Error).message}`);
      return false;
    }
    this.session = session;
    this.userId = session.userId;
    this.username = username;
    this.sessionId = session.sessionId;
    this.ids.set(username.toLowerCase(), session.userId!);
    this.print(`logged in as ${username} (${session.userId}), session ${session.sessionId}; /help lists the commands`);
    this.wire(session);
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

  /** A username (looked up, then remembered) or a user id as typed. */
  private async resolve(user: string): Promise<string | undefined> {
    const known = this.ids.get(user.toLowerCase());
    if (known) return known;
    const p = await this.session!.request('user/lookup', { query: user, limit: 1 });
    if (p.status < 300 && p.exact) {
      this.ids.set(user.toLowerCase(), p.exact.user_id);
      return p.exact.user_id as string;
    }
    if (USER_ID.test(user)) return user;
    this.print(`! no user "${user}" (/find ${user.slice(0, 3)} searches the directory)`);
    return undefined;
  }

  private async run(cmd: Exclude<ChatCommand, { kind: 'quit' }>): Promise<void> {
    switch (cmd.kind) {
      case 'help':
        this.print(HELP_TEXT);
        return;
      case 'to':
      case 'group-send': {
        const id = cmd.kind === 'to' ? await this.resolve(cmd.user) : cmd.conversationId;
        if (!id) return;
        const p = await this.call('message/send', { target: { type: cmd.kind === 'to' ? 'user' : 'group', id }, content: { type: 'text', text: cmd.text } });
        if (p) this.print(`→ sent ${p.conversation_id} #${p.seq} (${p.message_id})`);
        return;
      }
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
          this.ids.set(String(c.username).toLowerCase(), c.user_id);
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
        this.print(users.length === 0 ? `nobody found for "${cmd.query}"` : `${users.length} user(s)${p.has_more ? ' (more: type more characters)' : ''}:`);
        for (const u of users) this.print(`  ${formatCard(u)}`);
        return;
      }
      case 'group-create': {
        const members: string[] = [];
        for (const m of cmd.members) {
          const id = await this.resolve(m);
          if (!id) return;
          members.push(id);
        }
        const p = await this.call('group/create', { name: cmd.name, members });
        if (p) this.print(`created group "${p.name}" ${p.conversation_id} with ${(p.members as { user_id: string }[]).length} members; send with /g ${p.conversation_id} <text>`);
        return;
      }
      case 'history': {
        const p = await this.call('message/history', { conversation_id: cmd.conversationId, ...(cmd.limit ? { limit: cmd.limit } : {}) });
        if (!p) return;
        const messages = p.messages as WireMessage[];
        this.print(`history of ${cmd.conversationId}: ${messages.length} message(s)${p.has_more ? ', older ones exist' : ''}`);
        for (const m of messages) this.print(`  ${formatMessage(m, this.userId)}`);
        return;
      }
      case 'list': {
        const p = await this.call('group/list', {});
        if (!p) return;
        const list = p.conversations as Record<string, any>[];
        this.print(list.length === 0 ? 'no conversations yet' : `${list.length} conversation(s)${p.has_more ? ' (more exist)' : ''}:`);
        for (const c of list) this.print(formatConversation(c, this.userId));
        return;
      }
      case 'who': {
        const p = await this.call('presence/list', {});
        if (!p) return;
        const users = p.users as Record<string, any>[];
        this.print(users.length === 0 ? 'nobody you share a conversation with is online' : `online (${users.length}${p.has_more ? '+' : ''}):`);
        for (const u of users) this.print(`  ${formatPresence(u)}`);
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
            // A group id as typed; anyone else by username (or user id).
            const to = cmd.to.startsWith('g-') ? cmd.to : await this.resolve(cmd.to);
            if (to) await sendFile(files, out, to, cmd.path);
          } else await getFile(files, out, cmd.fileId, cmd.dest);
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
    session.on('message', (m, source: MessageSource) => this.print(formatMessage(m as unknown as WireMessage, this.userId, source === 'live' ? '' : ' (offline)')));
    session.on('receipt', (p) => {
      for (const line of formatReceipt(p, this.userId)) this.print(line);
    });
    session.on('presence', (p) => this.print(`* ${formatPresence(p)}`));
    session.on('notification', (p) => {
      const card = (p as Record<string, any>).user;
      if (card?.username && card.user_id) this.ids.set(String(card.username).toLowerCase(), card.user_id);
      this.print(formatNotification(p, this.userId));
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

  private onFrame(frame: Envelope): void {
    const p = (frame.payload ?? {}) as Record<string, any>;
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
    if (reason.kind === 'closed') this.print(`connection closed${reason.error ? ` (${reason.error})` : ''}`);
    this.endWith(reason);
  }
}
