/**
 * Slash-command parsing for the chat CLI. Pure (no I/O) so every usage rule is unit-testable:
 * a line becomes either a typed command or a usage error naming the right syntax.
 */

export const PRESENCE_STATUSES = ['online', 'away', 'busy', 'invisible'] as const;
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number];

export const CONTACT_LIST_FILTERS = ['accepted', 'incoming', 'outgoing', 'blocked'] as const;
export type ContactFilter = (typeof CONTACT_LIST_FILTERS)[number];
/** Contact commands taking one user: the protocol command they map to. */
export const CONTACT_ACTIONS = { add: 'contact/request', accept: 'contact/accept', decline: 'contact/decline', remove: 'contact/remove', block: 'contact/block', unblock: 'contact/unblock' } as const;
export type ContactAction = keyof typeof CONTACT_ACTIONS;

export type ChatCommand =
  | { kind: 'to'; user: string; text: string }
  | { kind: 'contact'; action: ContactAction; user: string; note?: string }
  | { kind: 'contacts'; state?: ContactFilter }
  | { kind: 'whois'; user: string }
  | { kind: 'find'; query: string }
  | { kind: 'group-create'; name: string; members: string[] }
  | { kind: 'group-send'; group: string; text: string }
  | { kind: 'history'; conversation: string; limit?: number }
  | { kind: 'ids'; on: boolean }
  /** A change to a message: `seq` absent = the newest fitting one (mine for edit/recall). */
  | { kind: 'edit'; conversation: string; seq?: number; text: string }
  | { kind: 'recall'; conversation: string; seq?: number }
  | { kind: 'react'; conversation: string; seq?: number; emoji: string; remove: boolean }
  | { kind: 'thread'; conversation: string; seq?: number; text: string }
  | { kind: 'pin'; conversation: string; seq?: number; remove: boolean }
  | { kind: 'pins'; conversation: string }
  | { kind: 'inbox' }
  | { kind: 'search'; query: string }
  | { kind: 'send-direct'; to: string; path: string }
  | { kind: 'receive'; transferId: string; dest?: string }
  | { kind: 'mute'; conversation: string; minutes?: number; off: boolean }
  | { kind: 'list' }
  | { kind: 'who' }
  | { kind: 'status'; status: PresenceStatus; text?: string }
  | { kind: 'send-file'; to: string; path: string }
  | { kind: 'get'; fileId: string; dest?: string }
  | { kind: 'ping' }
  | { kind: 'help' }
  | { kind: 'quit' };

export type ParseResult = { ok: true; command: ChatCommand } | { ok: false; error: string } | { ok: true; command: null };

/** One usage line per command; `usageOf` picks the line shown when a command is misused. */
export const USAGE_LINES: Record<string, string> = {
  to: '/to <username|user_id> <text>            send a direct message',
  add: '/add <username> [note]                  send a friend request',
  accept: '/accept <username>                       accept a friend request',
  decline: '/decline <username>                      decline a friend request',
  remove: '/remove <username>                       remove a contact (or cancel my request)',
  block: '/block <username>                        block someone (no messages, requests, presence)',
  unblock: '/unblock <username>                      lift a block',
  contacts: '/contacts [accepted|incoming|outgoing|blocked]  my contacts and requests',
  whois: '/whois <username>                        show someone\'s profile',
  find: '/find <name or prefix>                  search the directory (a prefix needs 3+ characters)',
  group: '/group create <name> <username...>       create a group with these members ("quote" a name with spaces)',
  g: '/g <group name|group_id> <text>          send to a group ("quote" a name with spaces)',
  history: '/history <@user|group name|id> [limit]   show the newest messages of a conversation (limit 1-100)',
  list: '/list                                    my groups and direct conversations, with unread counts',
  who: '/who                                     who I share a conversation with is online',
  ids: '/ids on|off                              show ids (users, conversations, seqs) next to names',
  edit: '/edit <conversation> [#seq] <text>       change my message (default: my last one there)',
  recall: '/recall <conversation> [#seq]            take my message back (admins: anyone\'s; default: my last one)',
  react: '/react <conversation> [#seq] <emoji>     react to a message (default: the last one); /unreact takes it back',
  thread: '/thread <conversation> [#seq] <text>     reply in the thread of a message (default: the last one)',
  pin: '/pin <conversation> [#seq]               pin a message (default: the last one); /unpin, /pins <conversation>',
  inbox: '/inbox                                   my conversations by latest activity, unread and mentions',
  search: '/search <words> ["phrase"] [in:<conversation>] [from:<user>] [has:file] [before:/after:YYYY-MM-DD]  search my messages',
  'send-direct': '/send-direct <username> <path>          send a file straight to their client (through the server if that fails)',
  receive: '/receive <transfer_id> [dest]            take a file offered directly (default: its own name here)',
  mute: '/mute <conversation> [minutes]           mute a conversation (forever without minutes); /unmute <conversation>',
  status: '/status online|away|busy|invisible [text]  set my status (and status text)',
  'send-file': '/send-file <username|group_id> <path>   upload a file and send it (g-... is a group)',
  get: '/get <file_id> [dest]                    download a file (default: its own name here, never overwriting)',
  ping: '/ping                                    round trip to the server',
  help: '/help                                    this list',
  quit: '/quit                                    leave',
};

export const HELP_TEXT = ['commands:', ...Object.values(USAGE_LINES).map((l) => `  ${l}`)].join('\n');

export function usageOf(name: string): string {
  const line = USAGE_LINES[name];
  return `usage: ${line ? line.replace(/\s{2,}.*$/, '') : '/help'}`;
}

/** A leading `"quoted name"` or one word, and the rest of the line. */
function nameAndRest(input: string): { name?: string; rest: string } {
  const quoted = /^"([^"]+)"\s*/.exec(input.trimStart());
  if (quoted) return { name: quoted[1], rest: input.trimStart().slice(quoted[0].length).trimEnd() };
  const { head, rest } = words(input, 1);
  return { name: head[0], rest };
}

/** An optional `#<seq>` first (null when it is malformed), and the rest of the line. */
function seqAndRest(input: string): { seq?: number | null; rest: string } {
  const m = /^#(\S*)\s*/.exec(input.trimStart());
  if (!m) return { rest: input.trim() };
  const seq = Number(m[1]);
  return { seq: Number.isSafeInteger(seq) && seq > 0 ? seq : null, rest: input.trimStart().slice(m[0].length).trimEnd() };
}

/** Splits off the first `n` whitespace-separated words; the rest of the line stays verbatim. */
function words(input: string, n: number): { head: string[]; rest: string } {
  const head: string[] = [];
  let rest = input.trimStart();
  for (let i = 0; i < n && rest.length > 0; i++) {
    const m = /^(\S+)\s*/.exec(rest)!;
    head.push(m[1]);
    rest = rest.slice(m[0].length);
  }
  return { head, rest: rest.trimEnd() };
}

/**
 * Parses one input line. Empty lines are `{ok: true, command: null}` (nothing to do); lines not
 * starting with `/` are an error pointing at /to and /g (the CLI has no implicit recipient, so a
 * stray line is never sent to the wrong person).
 */
export function parseCommand(line: string): ParseResult {
  const trimmed = line.trim();
  if (trimmed === '') return { ok: true, command: null };
  if (!trimmed.startsWith('/')) {
    return { ok: false, error: 'not a command: messages are sent with /to <username> <text> or /g <group name> <text> (/help lists all commands)' };
  }
  const { head, rest } = words(trimmed.slice(1), 1);
  const name = (head[0] ?? '').toLowerCase();
  const fail = (why?: string): ParseResult => ({ ok: false, error: why ? `${why}; ${usageOf(name)}` : usageOf(name) });
  switch (name) {
    case 'to': {
      const { head: [user], rest: text } = words(rest, 1);
      return user && text ? { ok: true, command: { kind: 'to', user, text } } : fail();
    }
    case 'add':
    case 'accept':
    case 'decline':
    case 'remove':
    case 'block':
    case 'unblock': {
      const { head: [user], rest: note } = words(rest, 1);
      if (!user) return fail();
      if (note !== '' && name !== 'add') return fail(`/${name} takes one username`);
      return { ok: true, command: { kind: 'contact', action: name, user, ...(note ? { note } : {}) } };
    }
    case 'contacts': {
      if (rest === '') return { ok: true, command: { kind: 'contacts' } };
      const state = rest.toLowerCase();
      if (!(CONTACT_LIST_FILTERS as readonly string[]).includes(state)) return fail(`unknown filter "${rest}"`);
      return { ok: true, command: { kind: 'contacts', state: state as ContactFilter } };
    }
    case 'whois':
    case 'find': {
      const { head: [arg], rest: extra } = words(rest, 1);
      if (!arg || extra !== '') return fail();
      return { ok: true, command: name === 'whois' ? { kind: 'whois', user: arg } : { kind: 'find', query: arg } };
    }
    case 'g': {
      const { name: group, rest: text } = nameAndRest(rest);
      return group && text ? { ok: true, command: { kind: 'group-send', group, text } } : fail();
    }
    case 'edit':
    case 'thread': {
      const { name: conversation, rest: after } = nameAndRest(rest);
      const { seq, rest: text } = seqAndRest(after);
      if (!conversation || !text || seq === null) return fail(seq === null ? 'a position is #<seq>, e.g. #12' : undefined);
      return { ok: true, command: { kind: name, conversation, ...(seq !== undefined ? { seq } : {}), text } };
    }
    case 'recall':
    case 'pin':
    case 'unpin': {
      const { name: conversation, rest: after } = nameAndRest(rest);
      const { seq, rest: extra } = seqAndRest(after);
      if (!conversation || extra !== '' || seq === null) return fail();
      const at = seq !== undefined ? { seq } : {};
      return { ok: true, command: name === 'recall' ? { kind: 'recall', conversation, ...at } : { kind: 'pin', conversation, ...at, remove: name === 'unpin' } };
    }
    case 'react':
    case 'unreact': {
      const { name: conversation, rest: after } = nameAndRest(rest);
      const { seq, rest: emoji } = seqAndRest(after);
      if (!conversation || !emoji || /\s/.test(emoji) || seq === null) return fail();
      return { ok: true, command: { kind: 'react', conversation, ...(seq !== undefined ? { seq } : {}), emoji, remove: name === 'unreact' } };
    }
    case 'pins': {
      const { name: conversation, rest: extra } = nameAndRest(rest);
      return conversation && extra === '' ? { ok: true, command: { kind: 'pins', conversation } } : fail();
    }
    case 'mute':
    case 'unmute': {
      const { name: conversation, rest: minutesText } = nameAndRest(rest);
      if (!conversation) return fail();
      if (name === 'unmute') return minutesText === '' ? { ok: true, command: { kind: 'mute', conversation, off: true } } : fail('/unmute takes a conversation only');
      if (minutesText === '') return { ok: true, command: { kind: 'mute', conversation, off: false } };
      const minutes = Number(minutesText);
      if (!Number.isInteger(minutes) || minutes < 1) return fail(`minutes must be a positive integer, got "${minutesText}"`);
      return { ok: true, command: { kind: 'mute', conversation, minutes, off: false } };
    }
    case 'send-direct': {
      const { head: [to], rest: path } = words(rest, 1);
      return to && path ? { ok: true, command: { kind: 'send-direct', to, path } } : fail();
    }
    case 'receive': {
      const { head: [transferId], rest: dest } = words(rest, 1);
      return transferId ? { ok: true, command: { kind: 'receive', transferId, ...(dest ? { dest } : {}) } } : fail();
    }
    case 'search':
      return rest !== '' ? { ok: true, command: { kind: 'search', query: rest } } : fail();
    case 'inbox':
      if (rest !== '') return fail('/inbox takes no arguments');
      return { ok: true, command: { kind: 'inbox' } };
    case 'ids': {
      if (rest !== 'on' && rest !== 'off') return fail();
      return { ok: true, command: { kind: 'ids', on: rest === 'on' } };
    }
    case 'group': {
      const { head: [sub], rest: afterSub } = words(rest, 1);
      if (sub !== 'create') return fail();
      // A name with spaces is quoted: /group create "Project X" u-1 u-2
      const quoted = /^"([^"]+)"\s*/.exec(afterSub);
      const { head: [groupName], rest: others } = quoted ? { head: [quoted[1]], rest: afterSub.slice(quoted[0].length) } : words(afterSub, 1);
      if (!groupName) return fail();
      const members = others === '' ? [] : others.split(/\s+/);
      if (members.length === 0) return fail('name at least one member');
      return { ok: true, command: { kind: 'group-create', name: groupName, members } };
    }
    case 'history': {
      const { name: conversation, rest: after } = nameAndRest(rest);
      const { head: [limitText], rest: extra } = words(after, 1);
      if (!conversation || extra !== '') return fail();
      if (limitText === undefined) return { ok: true, command: { kind: 'history', conversation } };
      const limit = Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) return fail(`limit must be an integer from 1 to 100, got "${limitText}"`);
      return { ok: true, command: { kind: 'history', conversation, limit } };
    }
    case 'send-file': {
      // The path is the rest of the line, so it may contain spaces; a group name may be quoted.
      const { name: to, rest: path } = nameAndRest(rest);
      return to && path ? { ok: true, command: { kind: 'send-file', to, path } } : fail();
    }
    case 'get': {
      const { head: [fileId], rest: dest } = words(rest, 1);
      if (!fileId) return fail();
      return { ok: true, command: { kind: 'get', fileId, ...(dest ? { dest } : {}) } };
    }
    case 'status': {
      const { head: [status], rest: text } = words(rest, 1);
      if (!status || !(PRESENCE_STATUSES as readonly string[]).includes(status.toLowerCase())) {
        return fail(status ? `unknown status "${status}"` : undefined);
      }
      return { ok: true, command: { kind: 'status', status: status.toLowerCase() as PresenceStatus, ...(text ? { text } : {}) } };
    }
    case 'list':
    case 'who':
    case 'ping':
    case 'help':
    case 'quit':
      if (rest !== '') return fail(`/${name} takes no arguments`);
      return { ok: true, command: { kind: name } };
    case 'exit':
      return { ok: true, command: { kind: 'quit' } };
    default:
      return { ok: false, error: `unknown command "/${head[0] ?? ''}" (/help lists the commands)` };
  }
}
