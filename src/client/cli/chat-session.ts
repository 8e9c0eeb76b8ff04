/**
 * The chat client's logic, without a terminal: input lines in → requests out; frames in →
 * printed lines out. The readline wiring lives in chat-cli.ts, so tests drive this class
 * in-process against a real server.
 *
 * Besides the commands it keeps the session alive the way the protocol asks a client to:
 * presence heartbeats at the announced interval, cumulative delivered acks per conversation (which
 * is what releases the next offline batch and produces the sender's receipts), and an auth/refresh
 * before the access token expires.
 */
import { EventEmitter } from 'node:events';
import type { Envelope, Headers } from '../../shared/protocol';
import type { ResponsePayload } from '../switchboard-client';
import { ChatCommand, HELP_TEXT, parseCommand } from './chat-commands';
import { FileTransport, getFile, sendFile } from './chat-files';
import { clock, formatConversation, formatError, formatMessage, formatNotification, formatPresence, formatReceipt, WireMessage } from './chat-format';

export const CLI_VERSION = 'cli-0.1.0';

/** What ChatSession needs from the SDK client (SwitchboardClient satisfies it). */
export interface ChatTransport {
  token?: string;
  readonly closed: Promise<void>;
  readonly isOpen: boolean;
  request(command: string, payload?: Record<string, unknown>, options?: { headers?: Headers }): Promise<Envelope<ResponsePayload>>;
  sendEvent(command: string, payload?: Record<string, unknown>): void;
  on(event: 'event', listener: (frame: Envelope) => void): unknown;
  off(event: 'event', listener: (frame: Envelope) => void): unknown;
  close(): Promise<void>;
  /** The SDK keeps every event for waitFor(); a long-running CLI trims it. */
  readonly events?: Envelope[];
  /** File transfers (SwitchboardClient.upload/download), for /send-file and /get. */
  upload?: FileTransport['upload'];
  download?: FileTransport['download'];
}

export interface ChatSessionOptions {
  print(line: string): void;
  /** Redraws a progress line in place (terminals); without it progress prints at 25 % steps. */
  progress?(line: string): void;
  /** `client_info.device` of the login (sessions are per device). */
  device?: string;
}

/** Why the session ended: the CLI maps it to an exit code. */
export type EndReason = { kind: 'quit' } | { kind: 'kicked'; reason: string } | { kind: 'closed'; error?: string };

export interface ChatSessionEvents {
  heartbeat: [seq: number, rttMs: number | undefined];
  refreshed: [expiresInS: number];
  acked: [conversationId: string, seq: number];
}

export class ChatSession extends EventEmitter<ChatSessionEvents> {
  userId?: string;
  username?: string;
  sessionId?: string;
  /** Resolves once, when the session is over (quit, kick, or the connection closed). */
  readonly ended: Promise<EndReason>;
  private endWith!: (reason: EndReason) => void;
  private isEnded = false;
  private refreshToken?: string;
  private heartbeatTimer?: NodeJS.Timeout;
  private refreshTimer?: NodeJS.Timeout;
  private heartbeatSeq = 0;
  private readonly heartbeatSentAt = new Map<number, number>();
  /** Highest seq acknowledged (or being acknowledged) per conversation: acks only move forward. */
  private readonly ackedSeq = new Map<string, number>();
  /** Newest seq shown per conversation, to point out live pushes that never arrived. */
  private readonly lastSeen = new Map<string, number>();
  /**
   * While the server still has offline batches for us (the last one said `has_more`), live
   * messages are shown but their acks wait: a cumulative ack of a newer live seq would mark the
   * older, not yet delivered offline messages as delivered, and they would never be offered.
   */
  private offlineInProgress = false;
  private deferredLive: WireMessage[] = [];
  private kickReason?: string;
  private lastServerError?: string;
  /**
   * Events that arrive while auth/login is in flight wait here: the offline batch comes right
   * behind the login response, in the same socket read, before the awaiting code has stored the
   * token its acks need (and it should print after "logged in").
   */
  private held?: Envelope[];
  private readonly onEvent = (frame: Envelope) => (this.held ? this.held.push(frame) : this.handleEvent(frame));

  constructor(
    private readonly client: ChatTransport,
    private readonly options: ChatSessionOptions,
  ) {
    super();
    this.ended = new Promise((resolve) => (this.endWith = resolve));
    // Listen before login: the offline batch follows the login response immediately.
    client.on('event', this.onEvent);
    void client.closed.then(() => {
      if (this.kickReason !== undefined) this.finish({ kind: 'kicked', reason: this.kickReason });
      else this.finish({ kind: 'closed', error: this.lastServerError });
    });
  }

  private print(line: string): void {
    this.options.print(line);
  }

  /** auth/register; true when the account exists afterwards (created now, or the name was taken). */
  async register(username: string, password: string): Promise<boolean> {
    const res = await this.client.request('auth/register', { username, password });
    if (res.payload.status < 300) {
      this.print(`registered ${res.payload.username} (${res.payload.user_id})`);
      return true;
    }
    this.print(formatError('auth/register', res.payload));
    // Re-running the same command line must not fail: a taken name may be ours, login will tell.
    return res.payload.error_code === 'USERNAME_TAKEN';
  }

  /** auth/login, then starts heartbeats and the refresh timer. False (error printed) on failure. */
  async login(username: string, password: string): Promise<boolean> {
    this.held = [];
    try {
      return await this.doLogin(username, password);
    } finally {
      const held = this.held;
      this.held = undefined;
      for (const frame of held) this.handleEvent(frame);
    }
  }

  private async doLogin(username: string, password: string): Promise<boolean> {
    const res = await this.client.request('auth/login', {
      username,
      password,
      client_info: { device: this.options.device ?? 'cli', version: CLI_VERSION },
    });
    const p = res.payload;
    if (p.status >= 300) {
      this.print(formatError('auth/login', p));
      return false;
    }
    this.client.token = p.token;
    this.refreshToken = p.refresh_token;
    this.userId = p.user_id;
    this.username = username;
    this.sessionId = p.session_id;
    this.print(`logged in as ${username} (${p.user_id}), session ${p.session_id}; /help lists the commands`);
    this.startHeartbeats(Number(p.heartbeat_interval) || 30);
    this.scheduleRefresh(Number(p.expires_in));
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
    if (!this.client.isOpen) {
      this.print('! not connected');
      return true;
    }
    try {
      await this.run(parsed.command);
    } catch (err) {
      // A closed connection rejects pending requests; the close itself is reported once by `ended`.
      if (this.client.isOpen) this.print(`! ${(err as Error).message}`);
    }
    return true;
  }

  private async call(command: string, payload: Record<string, unknown>): Promise<ResponsePayload | undefined> {
    const res = await this.client.request(command, payload);
    if (res.payload.status >= 300) {
      this.print(formatError(command, res.payload));
      return undefined;
    }
    return res.payload;
  }

  private async run(cmd: Exclude<ChatCommand, { kind: 'quit' }>): Promise<void> {
    switch (cmd.kind) {
      case 'help':
        this.print(HELP_TEXT);
        return;
      case 'to':
      case 'group-send': {
        const target = cmd.kind === 'to' ? { type: 'user', id: cmd.userId } : { type: 'group', id: cmd.conversationId };
        const p = await this.call('message/send', { target, content: { type: 'text', text: cmd.text } });
        if (p) this.print(`→ sent ${p.conversation_id} #${p.seq} (${p.message_id})`);
        return;
      }
      case 'group-create': {
        const p = await this.call('group/create', { name: cmd.name, members: cmd.members });
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
        const { upload, download } = this.client;
        if (!upload || !download) return this.print('! this client cannot transfer files');
        const files: FileTransport = { upload: upload.bind(this.client), download: download.bind(this.client) };
        const out = { print: (l: string) => this.print(l), progress: this.options.progress };
        try {
          if (cmd.kind === 'send-file') await sendFile(files, out, cmd.to, cmd.path);
          else await getFile(files, out, cmd.fileId, cmd.dest);
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

  private handleEvent(frame: Envelope): void {
    const p = (frame.payload ?? {}) as Record<string, any>;
    switch (frame.command) {
      case 'message/event': {
        const m = p.message as WireMessage;
        this.print(formatMessage(m, this.userId));
        const last = this.lastSeen.get(m.conversation_id);
        if (!this.offlineInProgress && last !== undefined && m.seq > last + 1) {
          // Live pushes are droppable (slow consumer); storage has them.
          const range = m.seq === last + 2 ? `#${last + 1}` : `#${last + 1}..#${m.seq - 1}`;
          this.print(`  (${range} of ${m.conversation_id} did not arrive live: /history ${m.conversation_id})`);
        }
        this.seen([m]);
        if (this.offlineInProgress) this.deferredLive.push(m);
        else this.ack([m]);
        return;
      }
      case 'message/offline': {
        const messages = (p.messages ?? []) as WireMessage[];
        this.print(`${messages.length} message(s) received while you were away${p.has_more ? ' (more coming)' : ''}:`);
        for (const m of messages) this.print(formatMessage(m, this.userId, ' (offline)'));
        this.seen(messages);
        this.offlineInProgress = p.has_more === true;
        // Acking each conversation's newest seq of the batch is what releases the next batch.
        this.ack(messages);
        if (!this.offlineInProgress && this.deferredLive.length > 0) {
          this.ack(this.deferredLive);
          this.deferredLive = [];
        }
        return;
      }
      case 'message/ack':
        for (const line of formatReceipt(p, this.userId)) this.print(line);
        return;
      case 'presence/event':
        this.print(`* ${formatPresence(p)}`);
        return;
      case 'presence/heartbeat': {
        const sent = this.heartbeatSentAt.get(p.seq);
        this.heartbeatSentAt.delete(p.seq);
        this.emit('heartbeat', p.seq, sent === undefined ? undefined : Date.now() - sent);
        return;
      }
      case 'notification/event':
        this.print(formatNotification(p, this.userId));
        return;
      case 'auth/kick':
        this.kickReason = String(p.reason ?? 'unknown');
        this.print(`! signed out by the server (auth/kick, reason: ${this.kickReason}); log in again to continue`);
        return;
      case 'control/error':
        this.lastServerError = `${p.error_code}: ${p.error_message}`;
        this.print(`! server error ${p.status} ${p.error_code}: ${p.error_message}`);
        return;
      default:
        this.print(`* ${frame.command} ${JSON.stringify(p)}`);
    }
  }

  private seen(messages: WireMessage[]): void {
    for (const m of messages) this.lastSeen.set(m.conversation_id, Math.max(this.lastSeen.get(m.conversation_id) ?? 0, m.seq));
  }

  /** Cumulative `delivered` ack of each conversation's newest seq among `messages`, if it moves forward. */
  private ack(messages: WireMessage[]): void {
    const newest = new Map<string, number>();
    for (const m of messages) newest.set(m.conversation_id, Math.max(newest.get(m.conversation_id) ?? 0, m.seq));
    for (const [conversationId, seq] of newest) {
      if ((this.ackedSeq.get(conversationId) ?? 0) >= seq) continue;
      this.ackedSeq.set(conversationId, seq);
      void this.client
        .request('message/ack', { conversation_id: conversationId, seq, state: 'delivered' })
        .then((res) => {
          if (res.payload.status >= 300) this.print(formatError('message/ack', res.payload));
          else this.emit('acked', conversationId, seq);
        })
        .catch(() => undefined); // the connection closed: the next login offers these again
    }
  }

  private startHeartbeats(intervalS: number): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => {
      if (!this.client.isOpen) return;
      const seq = ++this.heartbeatSeq;
      this.heartbeatSentAt.set(seq, Date.now());
      if (this.heartbeatSentAt.size > 10) this.heartbeatSentAt.delete(this.heartbeatSentAt.keys().next().value!);
      this.client.sendEvent('presence/heartbeat', { seq });
    }, intervalS * 1000);
  }

  /**
   * Refreshes a little before expiry (a fifth of the lifetime early, 1 s to 1 min), one refresh
   * at a time: two concurrent refreshes with one token count as reuse and revoke the session.
   */
  private scheduleRefresh(expiresInS: number): void {
    clearTimeout(this.refreshTimer);
    if (!Number.isFinite(expiresInS) || expiresInS <= 0) return;
    // At least a second early: JWT times are whole seconds, so a token may expire up to 1 s sooner.
    const delayMs = Math.max(500, (expiresInS - Math.min(60, Math.max(1, expiresInS / 5))) * 1000);
    this.refreshTimer = setTimeout(() => void this.refresh(), delayMs);
  }

  private async refresh(): Promise<void> {
    if (!this.client.isOpen || !this.refreshToken) return;
    let res: Envelope<ResponsePayload>;
    try {
      res = await this.client.request('auth/refresh', { refresh_token: this.refreshToken });
    } catch {
      return; // closed meanwhile; `ended` reports it
    }
    const p = res.payload;
    if (p.status >= 300) {
      this.print(formatError('auth/refresh', p));
      if (p.status === 401) {
        this.print('! the session cannot be renewed; log in again');
        await this.client.close();
      }
      return;
    }
    this.client.token = p.token;
    this.refreshToken = p.refresh_token;
    this.scheduleRefresh(Number(p.expires_in));
    this.emit('refreshed', Number(p.expires_in));
  }

  /** Ends the session by closing the connection (the server session stays valid for a re-login). */
  async quit(): Promise<void> {
    this.finish({ kind: 'quit' });
    await this.client.close();
  }

  private finish(reason: EndReason): void {
    if (this.isEnded) return;
    this.isEnded = true;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.refreshTimer);
    this.client.off('event', this.onEvent);
    if (reason.kind === 'closed') this.print(`connection closed${reason.error ? ` (${reason.error})` : ''}`);
    this.endWith(reason);
  }
}
