/**
 * Turns protocol payloads into the lines the chat CLI prints. Pure functions of the payload (and
 * of who "me" is) so tests can assert the exact text; no colours, so output stays greppable when
 * piped.
 */

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

function who(userId: string | undefined, me: string | undefined): string {
  if (!userId) return '?';
  return userId === me ? 'me' : userId;
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
  // One message, one line: embedded newlines would break the line-oriented output.
  return text.replace(/\r?\n/g, ' ⏎ ');
}

export function formatMessage(m: WireMessage, me: string | undefined, tag = ''): string {
  const ms = m.sent_at_ms ?? (m.sent_at !== undefined ? m.sent_at * 1000 : undefined);
  return `[${clock(ms)}] ${m.conversation_id} #${m.seq} <${who(m.sender_id, me)}>${tag} ${contentText(m)}`;
}

/** `message/ack` event: the peer's newest covered message (or each member's, for a group window). */
export function formatReceipt(p: Record<string, any>, me: string | undefined): string[] {
  const list: { by: string; seq: number; state: string }[] = Array.isArray(p.receipts) ? p.receipts : [{ by: p.by, seq: p.seq, state: p.state }];
  return list.map((r) => `✓ ${p.conversation_id} #${r.seq} ${r.state} by ${who(r.by, me)}`);
}

export function formatPresence(p: Record<string, any>): string {
  const text = p.text ? ` "${p.text}"` : '';
  const devices = Array.isArray(p.devices) && p.devices.length > 0 ? ` on ${p.devices.join(', ')}` : '';
  const seen = p.status === 'offline' && p.last_seen ? ` (last seen ${clock(p.last_seen * 1000)})` : '';
  return `${p.user_id} is ${p.status}${text}${devices}${seen}`;
}

export function formatNotification(p: Record<string, any>, me: string | undefined): string {
  const members = Array.isArray(p.members) ? p.members.map((m: string) => who(m, me)).join(', ') : '';
  const group = p.name ? `"${p.name}" (${p.conversation_id})` : (p.conversation_id ?? '');
  switch (p.type) {
    case 'group.created':
      return `* ${who(p.by, me)} created group ${group} with ${members}`;
    case 'group.member_added':
      return `* ${who(p.by, me)} added ${members} to ${group}${p.role && p.role !== 'member' ? ` as ${p.role}` : ''}`;
    case 'group.member_removed':
      return `* ${who(p.by, me)} removed ${members} from ${group}`;
    case 'group.member_left':
      return `* ${members} left ${group}${p.new_owner_id ? `; new owner ${who(p.new_owner_id, me)}` : ''}`;
    case 'contact.request':
      return `* friend request from ${person(p.user)}${p.note ? `: "${p.note}"` : ''} — /accept ${p.user?.username} or /decline ${p.user?.username}`;
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
      return `* ${type ?? 'notification'} ${JSON.stringify(rest)}`;
    }
  }
}

/** One `group/list` entry. */
export function formatConversation(c: Record<string, any>, me: string | undefined): string {
  const title = c.kind === 'group' ? `group "${c.name}"` : `direct with ${who(c.peer_id, me)}`;
  const unread = c.unread_count ? `, ${c.unread_count} unread` : '';
  const last = c.last_message ? ` — last: <${who(c.last_message.sender_id, me)}> ${contentText(c.last_message)}` : '';
  return `  ${c.conversation_id}  ${title}, ${c.member_count} members${unread}${last}`;
}

/** `error_code: error_message` plus the extra fields that tell the user what to do. */
export function formatError(command: string, p: Record<string, any>): string {
  let line = `! ${command} failed: ${p.status ?? '?'} ${p.error_code ?? 'ERROR'}: ${p.error_message ?? '(no message)'}`;
  if (typeof p.retry_after_ms === 'number') line += ` (retry after ${Math.ceil(p.retry_after_ms / 1000)} s)`;
  if (Array.isArray(p.missing)) line += ` (missing: ${p.missing.join(', ')})`;
  return line;
}

/** `alice (Alice A.)` from a user card. */
export function person(card: Record<string, any> | undefined): string {
  if (!card) return '?';
  return card.display_name && card.display_name !== card.username ? `${card.username} (${card.display_name})` : String(card.username);
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
  const status = card.status_text ? ` — "${card.status_text}"` : '';
  const note = card.note ? ` (note: "${card.note}")` : '';
  return `${person(card)} [${card.user_id}] ${RELATION[card.contact] ?? card.contact}${status}${note}`;
}
