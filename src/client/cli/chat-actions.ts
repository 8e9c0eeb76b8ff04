/**
 * The chat CLI's commands that act on messages and conversations (edit, recall, react, thread,
 * pin, inbox, mute) and direct file transfers. ChatSession parses, renders and keeps the session;
 * this keeps what these commands default to (the last message shown, my last one) and the direct
 * offers made to me.
 */
import type { SwitchboardSession } from '../session';
import type { ResponsePayload } from '../switchboard-client';
import type { ChatCommand } from './chat-commands';
import { freePath } from './chat-files';
import { clock, contentText, formatMessage, formatSearchResult, WireMessage } from './chat-format';
import type { ChatLookup } from './chat-lookup';
import type { NameBook } from './chat-names';

export interface ChatContext {
  session(): SwitchboardSession;
  me(): string;
  names: NameBook;
  lookup: ChatLookup;
  print(line: string): void;
  printWith(userIds: (string | undefined)[], lines: () => string[]): void;
  call(command: string, payload: Record<string, unknown>): Promise<ResponsePayload | undefined>;
  noteSent(p: ResponsePayload): void;
}

type ActionCommand = Extract<
  ChatCommand,
  {
    kind:
      | 'edit'
      | 'recall'
      | 'react'
      | 'thread'
      | 'pin'
      | 'pins'
      | 'inbox'
      | 'search'
      | 'mute'
      | 'send-direct'
      | 'receive';
  }
>;

export class ChatActions {
  /** Per conversation: the newest message seq shown, and my newest (what /react and /edit default to). */
  private readonly lastSeq = new Map<string, number>();
  private readonly mySeq = new Map<string, number>();
  /** Direct file offers to me (file/accept events with mode "active"), by transfer id. */
  private readonly directOffers = new Map<string, Record<string, any>>();
  /** `conversation#seq` → message_id of messages shown (thread roots), bounded. */
  private readonly messageIds = new Map<string, string>();

  constructor(private readonly ctx: ChatContext) {}

  /** A direct file offer to me (a file/accept event with mode "active"). */
  offered(p: Record<string, any>): void {
    this.directOffers.set(p.transfer_id, p);
  }

  /** Remembers a message's position so /edit, /react, /thread and /pin can default to it. */
  noteShown(m: Pick<WireMessage, 'conversation_id' | 'seq' | 'message_id' | 'sender_id'>): void {
    const c = m.conversation_id;
    if (m.seq > (this.lastSeq.get(c) ?? 0)) this.lastSeq.set(c, m.seq);
    if (m.sender_id === this.ctx.me() && m.seq > (this.mySeq.get(c) ?? 0)) this.mySeq.set(c, m.seq);
    this.messageIds.set(`${c}#${m.seq}`, m.message_id);
    if (this.messageIds.size > 2000) this.messageIds.delete(this.messageIds.keys().next().value!);
  }

  /**
   * /search: `in:` and `from:` may name a conversation or a user the CLI's way (`in:@bob`,
   * `in:"Project X"`... as /history takes them, `from:bob`); they are resolved to ids, the rest of
   * the query goes to the server as typed. Matches are shown between ** **.
   */
  private async search(query: string): Promise<void> {
    const parts: string[] = [];
    for (const m of query.matchAll(/(in|from):("[^"]*"|\S+)|"[^"]*"?|\S+/gi)) {
      const [word, key, raw] = m;
      if (!key) {
        parts.push(word);
        continue;
      }
      const value = raw.replace(/^"|"$/g, '');
      const id = key.toLowerCase() === 'in' ? await this.ctx.lookup.resolveConversation(value) : await this.ctx.lookup.resolve(value);
      if (!id) return;
      parts.push(`${key.toLowerCase()}:${id}`);
    }
    const p = await this.ctx.call('message/search', { query: parts.join(' '), limit: 20 });
    if (!p) return;
    const results = p.results as { message: WireMessage; snippet: { text: string; match?: boolean }[] }[];
    for (const r of results) this.noteShown(r.message);
    this.ctx.printWith(
      results.map((r) => r.message.sender_id),
      () => [
        results.length === 0 ? `no messages match ${query}` : `${results.length}${p.has_more ? '+' : ''} result(s) for ${query}, newest first:`,
        ...results.map((r) => `  ${formatSearchResult(r, this.ctx.names)}`),
      ],
    );
  }

  /** The conversation and the message a change command is about (explicit `#seq`, or the default). */
  private async position(
    conversation: string,
    seq: number | undefined,
    mine: boolean,
  ): Promise<{ id: string; seq: number } | undefined> {
    const id = await this.ctx.lookup.resolveConversation(conversation);
    if (!id) return undefined;
    const at = seq ?? (mine ? this.mySeq.get(id) : this.lastSeq.get(id));
    if (at === undefined) {
      this.ctx.print(
        `! no ${mine ? 'message of yours' : 'message'} shown in ${this.ctx.names.conversation(id)} yet: give its position, e.g. #12 (/ids on shows positions)`,
      );
      return undefined;
    }
    return { id, seq: at };
  }

  async run(cmd: ActionCommand): Promise<void> {
    switch (cmd.kind) {
      case 'edit':
      case 'recall': {
        const at = await this.position(cmd.conversation, cmd.seq, true);
        if (!at) return;
        const p =
          cmd.kind === 'edit'
            ? await this.ctx.call('message/edit', {
                conversation_id: at.id,
                seq: at.seq,
                content: { type: 'text', text: cmd.text },
              })
            : await this.ctx.call('message/recall', { conversation_id: at.id, seq: at.seq });
        if (p)
          this.ctx.print(
            `${cmd.kind === 'edit' ? '✎ edited' : '⌫ recalled'} #${at.seq} in ${this.ctx.names.conversation(at.id)}`,
          );
        return;
      }
      case 'react': {
        const at = await this.position(cmd.conversation, cmd.seq, false);
        if (!at) return;
        const p = await this.ctx.call(cmd.remove ? 'reaction/remove' : 'reaction/add', {
          conversation_id: at.id,
          seq: at.seq,
          emoji: cmd.emoji,
        });
        const list = (p?.reactions as { emoji: string; count: number }[] | undefined) ?? [];
        if (p)
          this.ctx.print(
            `#${at.seq} in ${this.ctx.names.conversation(at.id)}: ${list.length ? list.map((r) => `${r.emoji} ${r.count}`).join(', ') : 'no reactions'}`,
          );
        return;
      }
      case 'thread': {
        const at = await this.position(cmd.conversation, cmd.seq, false);
        if (!at) return;
        let root = this.messageIds.get(`${at.id}#${at.seq}`);
        if (!root) {
          const page = await this.ctx.call('message/thread', {
            conversation_id: at.id,
            root_seq: at.seq,
            limit: 1,
          });
          root = (page?.root as { message_id?: string } | undefined)?.message_id;
          if (!root) return;
        }
        const target = at.id.startsWith('g-')
          ? { type: 'group', id: at.id }
          : { type: 'user', id: this.ctx.names.peerOf(at.id) };
        const p = await this.ctx.call('message/send', {
          target,
          content: { type: 'text', text: cmd.text },
          meta: { thread_root: root },
        });
        if (!p) return;
        this.ctx.noteSent(p);
        this.ctx.print(
          `→ replied in the thread of #${at.seq} in ${this.ctx.names.conversation(at.id)}`,
        );
        return;
      }
      case 'pin': {
        const at = await this.position(cmd.conversation, cmd.seq, false);
        if (!at) return;
        const p = await this.ctx.call(cmd.remove ? 'pin/remove' : 'pin/add', {
          conversation_id: at.id,
          seq: at.seq,
        });
        if (p)
          this.ctx.print(
            `${cmd.remove ? 'unpinned' : 'pinned'} #${at.seq} in ${this.ctx.names.conversation(at.id)}`,
          );
        return;
      }
      case 'pins': {
        const id = await this.ctx.lookup.resolveConversation(cmd.conversation);
        const p = id && (await this.ctx.call('pin/list', { conversation_id: id }));
        if (!p || !id) return;
        const pins = (p.pins as { seq?: number; message?: WireMessage }[] | undefined) ?? [];
        this.ctx.printWith(
          pins.map((x) => x.message?.sender_id),
          () => [
            `${pins.length} pinned in ${this.ctx.names.conversation(id)}${pins.length ? ':' : ''}`,
            ...pins.map((x) =>
              x.message ? `  ${formatMessage(x.message, this.ctx.names)}` : `  #${x.seq}`,
            ),
          ],
        );
        return;
      }
      case 'search':
        return this.search(cmd.query);
      case 'inbox': {
        const p = await this.ctx.call('conversation/list', { limit: 50 });
        if (!p) return;
        const list = p.conversations as Record<string, any>[];
        for (const c of list)
          if (c.kind === 'group') this.ctx.names.learnGroup(c.conversation_id, c.title);
        this.ctx.printWith(
          list.flatMap((c) => [c.peer_id, c.last_message?.sender_id]),
          () => [
            list.length === 0
              ? 'no conversations yet'
              : `inbox (${list.length}${p.has_more ? '+' : ''}):`,
            ...list.map((c) => {
              const counts = [
                c.unread_count ? `${c.unread_count} unread` : '',
                c.mention_count ? `${c.mention_count} @` : '',
                c.muted ? 'muted' : '',
              ]
                .filter(Boolean)
                .join(', ');
              const last = c.last_message
                ? ` — <${this.ctx.names.user(c.last_message.sender_id)}> ${c.last_message.content?.type === 'recalled' ? '[recalled]' : contentText(c.last_message)}`
                : '';
              return `  ${this.ctx.names.conversation(String(c.conversation_id))}${counts ? ` (${counts})` : ''}${last}`;
            }),
          ],
        );
        return;
      }
      case 'send-direct': {
        const conn = this.ctx.session().connection;
        if (!conn) return this.ctx.print('! not connected (reconnecting); try again in a moment');
        const to = await this.ctx.lookup.resolve(cmd.to);
        if (!to) return;
        const name = cmd.path.split(/[\\/]/).pop() ?? cmd.path;
        this.ctx.print(
          `offering ${name} to ${this.ctx.names.user(to)} directly (through the server if they do not connect)`,
        );
        try {
          const r = await conn.sendDirect(cmd.path, to, {});
          this.ctx.print(
            r.mode === 'active'
              ? `✓ sent ${name} directly to ${this.ctx.names.user(to)} (${r.size} bytes; the server kept no copy)`
              : `✓ sent ${name} through the server as ${r.fileId} (${r.fallbackReason ?? 'no direct connection'})`,
          );
        } catch (err) {
          this.ctx.print(`! /send-direct failed: ${(err as Error).message}`);
        }
        return;
      }
      case 'receive': {
        const conn = this.ctx.session().connection;
        const offer = this.directOffers.get(cmd.transferId);
        if (!offer)
          return this.ctx.print(
            `! no direct offer ${cmd.transferId} (it may have fallen back to the server: watch for its file message)`,
          );
        if (!conn) return this.ctx.print('! not connected (reconnecting); try again in a moment');
        const target = cmd.dest ?? freePath(String(offer.file_name ?? cmd.transferId));
        try {
          const r = await conn.receiveDirect(offer, target);
          this.directOffers.delete(cmd.transferId);
          this.ctx.print(
            `✓ received ${target} ${r.mode === 'active' ? 'directly' : 'through the server'} (${r.size} bytes, sha256 ${r.hash.slice(0, 12)}…)`,
          );
        } catch (err) {
          this.ctx.print(`! /receive failed: ${(err as Error).message}`);
        }
        return;
      }
      case 'mute': {
        const id = await this.ctx.lookup.resolveConversation(cmd.conversation);
        if (!id) return;
        const until = cmd.minutes ? Date.now() + cmd.minutes * 60_000 : undefined;
        const p = await this.ctx.call('conversation/mute', {
          conversation_id: id,
          muted: !cmd.off,
          ...(until ? { until } : {}),
        });
        if (p)
          this.ctx.print(
            cmd.off
              ? `${this.ctx.names.conversation(id)} unmuted`
              : `${this.ctx.names.conversation(id)} muted${until ? ` until ${clock(until)}` : ''} (mentions still count)`,
          );
        return;
      }
    }
  }
}
