/**
 * Turns protocol payloads into the lines the chat CLI prints. Pure functions of the payload (and
 * of who "me" is) so tests can assert the exact text; no colours, so output stays greppable when
 * piped.
 */
import { Names, RAW_IDS } from './chat-names';

/**
 * Characters a terminal acts on instead of showing: C0 controls (ESC starts colour, cursor and
 * title sequences; CR returns to the line start so later text overwrites it; BEL), DEL, C1
 * controls (0x9b is a one-byte CSI), the bidi embeddings/overrides/isolates (U+202A-U+202E,
 * U+2066-U+2069) and marks (U+200E, U+200F, U+061C) that reorder what follows, and the Unicode
 * line/paragraph separators. Peer text must never reach the terminal with them in it: a sender
 * could retitle the reader's terminal, erase lines or make text read backwards.
 */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const CONTROLS_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Peer text for one line of output: newlines become ` ⏎ ` (one message, one line), every other
 * control or bidi character is shown escaped (`\x1b`, `\u202e`) instead of acting.
 */
export function inline(text: string): string {
  return text.replace(/\r?\n/g, ' ⏎ ').replace(CONTROLS, visible);
}

/**
 * The last line of defence, applied to everything the CLI prints: escapes what `inline` escapes
 * but keeps newlines (the CLI's own multi-line output, e.g. /help).
 */
export function printable(text: string): string {
  return text.replace(CONTROLS_BUT_NEWLINE, visible);
}

export interface WireMessage {
  message_id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  sent_at?: number;
  sent_at_ms?: number;
  content?: { type?: string; text?: string; [k: string]: unknown };
  attachments?: { file_id: string; name?: string; size?: number }[];
}

/** `hh:mm:ss` in local time (the CLI is for humans at a terminal). */
export function clock(ms: number | undefined): string {
  const d = new Date(ms ?? Date.now());
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

function who(userId: string | undefined, names: Names): string {
  return inline(names.user(userId));
}

/** Any payload value shown as peer text. */
function str(value: unknown): string {
  return inline(String(value));
}

/** Text of a message: the text content, or a short description of other content types. */
export function contentText(message: Pick<WireMessage, 'content' | 'attachments'>): string {
  const c = message.content ?? {};
  let text = typeof c.text === 'string' ? c.text : `[${c.type ?? 'unknown'}]`;
  // Files name their id so the reader can fetch them with /get.
  if ((c.type === 'file-ref' || c.type === 'voice') && typeof c.file_id === 'string') {
    text = `[${c.type === 'voice' ? 'voice' : 'file'}] ${typeof c.name === 'string' ? `${c.name} ` : ''}${typeof c.size === 'number' ? `(${c.size} bytes) ` : ''}${c.file_id} — /get ${c.file_id}`;
  }
  for (const a of message.attachments ?? []) text += ` [file ${a.name ?? a.file_id}${a.size !== undefined ? `, ${a.size} B` : ''}]`;
  // One message, one line: embedded newlines would break the line-oriented output; and no
  // control or bidi character of the sender's reaches the terminal.
  return inline(text);
}

/** When a message was sent, in ms (sent_at_ms, or sent_at in seconds). */
export function sentAtMs(m: Pick<WireMessage, 'sent_at' | 'sent_at_ms'>): number | undefined {
  return m.sent_at_ms ?? (m.sent_at !== undefined ? m.sent_at * 1000 : undefined);
}

/** `[12:00:01] #Project X <alice> hi` (`@bob` for a direct conversation; `--ids` adds the ids and seq). */
export function formatMessage(m: WireMessage, names: Names, tag = ''): string {
  const position = names === RAW_IDS || (names as { showIds?: boolean }).showIds ? ` #${m.seq}` : '';
  const x = m as WireMessage & { edit_count?: number; recalled_by?: string; reactions?: { emoji: string; count: number }[]; thread_root_seq?: number; reply_count?: number };
  const body = m.content?.type === 'recalled' ? `[recalled${x.recalled_by ? ` by ${who(x.recalled_by, names)}` : ''}]` : contentText(m);
  const thread = x.thread_root_seq ? ` (in thread #${x.thread_root_seq})` : '';
  const extras = [x.edit_count ? '(edited)' : '', x.reply_count ? `[${x.reply_count} repl${x.reply_count === 1 ? 'y' : 'ies'}]` : '', x.reactions?.length ? `[${x.reactions.map((r) => `${str(r.emoji)} ${r.count}`).join(', ')}]` : '']
    .filter(Boolean)
    .join(' ');
  return `[${clock(sentAtMs(m))}] ${str(names.conversation(m.conversation_id))}${position} <${who(m.sender_id, names)}>${tag}${thread} ${body}${extras ? ` ${extras}` : ''}`;
}

/** A message/search result: the message's line with the snippet as its text, matches between ** **. */
export function formatSearchResult(r: { message: WireMessage; snippet: { text: string; match?: boolean }[] }, names: Names): string {
  const text = r.snippet.map((s) => (s.match ? `**${s.text}**` : s.text)).join('');
  return formatMessage({ ...r.message, content: { type: 'text', text } }, names);
}

/**
 * A stream entry (a change to a message, made by `sender_id`): `[12:00:05] @bob <bob> edited #3: new
 * text`, `… recalled #3`, `… reacted 👍 to #3`, `… pinned #3`; other kinds (module-defined) by name.
 */
export function formatEntry(e: WireMessage & { kind?: string; ref_seq?: number }, names: Names): string {
  const c = (e.content ?? {}) as Record<string, any>;
  const ref = `#${e.ref_seq ?? c.seq ?? '?'}`;
  let what: string;
  switch (e.kind) {
    case 'message.edited':
      what = `edited ${ref}: ${contentText({ content: c.content })}`;
      break;
    case 'message.recalled':
      what = `recalled ${ref}`;
      break;
    case 'reaction.added':
      what = `reacted ${str(c.emoji)} to ${ref}`;
      break;
    case 'reaction.removed':
      what = `took back ${str(c.emoji)} from ${ref}`;
      break;
    case 'pin.added':
      what = `pinned ${ref}`;
      break;
    case 'pin.removed':
      what = `unpinned ${ref}`;
      break;
    default:
      what = `${str(e.kind ?? 'entry')}${e.ref_seq ? ` on ${ref}` : ''}`;
  }
  return `[${clock(sentAtMs(e))}] ${str(names.conversation(e.conversation_id))} <${who(e.sender_id, names)}> ${what}`;
}

/** `message/ack` event: the peer's newest covered message (or each member's, for a group window). */
export function formatReceipt(p: Record<string, any>, names: Names): string[] {
  const list: { by: string; seq: number; state: string }[] = Array.isArray(p.receipts) ? p.receipts : [{ by: p.by, seq: p.seq, state: p.state }];
  return list.map((r) => `✓ ${str(names.conversation(String(p.conversation_id)))} #${r.seq} ${str(r.state)} by ${who(r.by, names)}`);
}

export function formatPresence(p: Record<string, any>, names: Names): string {
  const text = p.text ? ` "${str(p.text)}"` : '';
  const devices = Array.isArray(p.devices) && p.devices.length > 0 ? ` on ${str(p.devices.join(', '))}` : '';
  const seen = p.status === 'offline' && p.last_seen ? ` (last seen ${clock(p.last_seen * 1000)})` : '';
  return `${who(p.user_id, names)} is ${str(p.status)}${text}${devices}${seen}`;
}

export function formatNotification(p: Record<string, any>, names: Names): string {
  const me = names;
  const members = Array.isArray(p.members) ? p.members.map((m: string) => who(m, me)).join(', ') : '';
  const group = p.name ? `"${str(p.name)}"` : str(names.conversation(String(p.conversation_id ?? '')));
  switch (p.type) {
    case 'group.created':
      return `* ${who(p.by, me)} created group ${group} with ${members}`;
    case 'group.member_added':
      return `* ${who(p.by, me)} added ${members} to ${group}${p.role && p.role !== 'member' ? ` as ${str(p.role)}` : ''}`;
    case 'group.member_removed':
      return `* ${who(p.by, me)} removed ${members} from ${group}`;
    case 'group.member_left':
      return `* ${members} left ${group}${p.new_owner_id ? `; new owner ${who(p.new_owner_id, me)}` : ''}`;
    case 'contact.request':
      return `* friend request from ${person(p.user)}${p.note ? `: "${str(p.note)}"` : ''} — /accept ${str(p.user?.username)} or /decline ${str(p.user?.username)}`;
    case 'contact.accepted':
      return `* ${person(p.user)} accepted your friend request`;
    case 'contact.declined':
      return `* ${person(p.user)} declined your friend request`;
    case 'contact.removed':
      return `* ${person(p.user)} removed you from their contacts`;
    case 'contact.request_cancelled':
      return `* ${person(p.user)} withdrew their friend request`;
    default: {
      // Unknown notification types are shown raw (forward compatible), minus the envelope noise.
      const { status: _s, notification_id: _n, sent_at: _a, sent_at_ms: _b, type, ...rest } = p;
      return `* ${str(type ?? 'notification')} ${str(JSON.stringify(rest))}`;
    }
  }
}

/** One `group/list` entry. */
export function formatConversation(c: Record<string, any>, names: Names): string {
  const title = c.kind === 'group' ? `group, ${c.member_count} members` : `direct with ${who(c.peer_id, names)}`;
  const unread = c.unread_count ? `, ${c.unread_count} unread` : '';
  const last = c.last_message ? ` — last: <${who(c.last_message.sender_id, names)}> ${contentText(c.last_message)}` : '';
  return `  ${str(names.conversation(String(c.conversation_id)))}  ${title}${unread}${last}`;
}

/** `error_code: error_message` plus the extra fields that tell the user what to do. */
export function formatError(command: string, p: Record<string, any>): string {
  // Server messages quote what they refuse (names, ids): escaped like any peer text.
  let line = `! ${command} failed: ${p.status ?? '?'} ${str(p.error_code ?? 'ERROR')}: ${str(p.error_message ?? '(no message)')}`;
  if (typeof p.retry_after_ms === 'number') line += ` (retry after ${Math.ceil(p.retry_after_ms / 1000)} s)`;
  if (Array.isArray(p.missing)) line += ` (missing: ${str(p.missing.join(', '))})`;
  return line;
}

/** `alice (Alice A.)` from a user card. */
export function person(card: Record<string, any> | undefined): string {
  if (!card) return '?';
  return card.display_name && card.display_name !== card.username ? `${str(card.username)} (${str(card.display_name)})` : str(card.username);
}

const RELATION: Record<string, string> = {
  self: 'you',
  none: 'not a contact',
  accepted: 'contact',
  incoming: 'asked you to be a contact',
  outgoing: 'friend request sent',
  blocked: 'blocked by you',
};

/** A user card (user/profile, user/lookup, contact/list entries). */
export function formatCard(card: Record<string, any>): string {
  const status = card.status_text ? ` — "${str(card.status_text)}"` : '';
  const note = card.note ? ` (note: "${str(card.note)}")` : '';
  return `${person(card)} [${str(card.user_id)}] ${RELATION[card.contact] ?? str(card.contact)}${status}${note}`;
}
