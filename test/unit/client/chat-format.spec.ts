import { clock, contentText, formatCard, formatConversation, formatError, formatMessage, formatNotification, formatPresence, formatReceipt, inline, printable } from '../../../src/client/cli/chat-format';
import { NameBook, RAW_IDS } from '../../../src/client/cli/chat-names';

const ME = 'u-aaaaaaaaaaaaaaaa';
const BOB = 'u-bbbbbbbbbbbbbbbb';
const at = new Date(2026, 0, 2, 9, 5, 7).getTime();

function book(showIds = false): NameBook {
  const names = new NameBook({ users: { [ME]: 'alice', [BOB]: 'bob' }, groups: { 'g-1': 'Project X' } });
  names.me = ME;
  names.showIds = showIds;
  return names;
}

describe('chat CLI formatting', () => {
  const direct = `d-${ME}-${BOB}`;
  const message = { message_id: 'm-1', conversation_id: direct, seq: 3, sender_id: BOB, sent_at_ms: at, content: { type: 'text', text: 'hi\nthere' } };

  it('prints a message on one line with time, @peer or #group, and the sender\'s name ("me" for myself)', () => {
    expect(clock(at)).toBe('09:05:07');
    expect(formatMessage(message, book())).toBe('[09:05:07] @bob <bob> hi ⏎ there');
    expect(formatMessage({ ...message, sender_id: ME }, book(), ' (edited)')).toBe('[09:05:07] @bob <me> (edited) hi ⏎ there');
    expect(formatMessage({ ...message, conversation_id: 'g-1' }, book())).toBe('[09:05:07] #Project X <bob> hi ⏎ there');
  });

  it('shows ids and seqs only on request (--ids, /ids on), and ids for names it does not know', () => {
    expect(formatMessage(message, book(true))).toBe(`[09:05:07] @bob (${direct}) #3 <bob (${BOB})> hi ⏎ there`);
    expect(formatMessage({ ...message, sender_id: 'u-cccccccccccccccc', conversation_id: 'g-2' }, book())).toBe('[09:05:07] g-2 <u-cccccccccccccccc> hi ⏎ there');
    expect(formatMessage(message, RAW_IDS)).toBe(`[09:05:07] ${direct} #3 <${BOB}> hi ⏎ there`);
  });

  it('describes non-text content and attachments', () => {
    expect(contentText({ content: { type: 'image', url: 'x' }, attachments: [{ file_id: 'f-1', name: 'a.png', size: 10 }] })).toBe('[image] [file a.png, 10 B]');
  });

  it('prints receipts, one line per member for a coalesced group receipt', () => {
    expect(formatReceipt({ conversation_id: direct, seq: 4, state: 'delivered', by: BOB }, book())).toEqual(['✓ @bob #4 delivered by bob']);
    expect(
      formatReceipt({ conversation_id: 'g-1', seq: 5, state: 'read', by: BOB, receipts: [{ by: 'u-b', seq: 4, state: 'delivered' }, { by: BOB, seq: 5, state: 'read' }] }, book()),
    ).toEqual(['✓ #Project X #4 delivered by u-b', '✓ #Project X #5 read by bob']);
  });

  it('prints presence with text, devices and last seen', () => {
    expect(formatPresence({ user_id: BOB, status: 'away', text: 'lunch', devices: ['cli', 'ios'] }, book())).toBe('bob is away "lunch" on cli, ios');
    expect(formatPresence({ user_id: BOB, status: 'offline', text: null, devices: [], last_seen: at / 1000 }, book())).toBe('bob is offline (last seen 09:05:07)');
  });

  it('prints group notifications and unknown ones raw', () => {
    expect(formatNotification({ type: 'group.created', conversation_id: 'g-1', name: 'team', by: ME, members: [ME, BOB] }, book())).toBe('* me created group "team" with me, bob');
    expect(formatNotification({ type: 'group.member_left', conversation_id: 'g-1', members: [BOB], new_owner_id: ME }, book())).toBe('* bob left #Project X; new owner me');
    expect(formatNotification({ type: 'x.y', status: 200, notification_id: 'n-1', sent_at: 1, sent_at_ms: 1, a: 1 }, book())).toBe('* x.y {"a":1}');
  });

  it('prints group/list entries by name', () => {
    expect(formatConversation({ conversation_id: direct, kind: 'direct', peer_id: BOB, member_count: 2, unread_count: 1, last_message: message }, book())).toBe(
      '  @bob  direct with bob, 1 unread — last: <bob> hi ⏎ there',
    );
    expect(formatConversation({ conversation_id: 'g-1', kind: 'group', name: 'Project X', member_count: 3, unread_count: 0, last_message: null }, book())).toBe('  #Project X  group, 3 members');
  });

  it('prints protocol errors with error_code, error_message and the hints', () => {
    expect(formatError('message/send', { status: 404, error_code: 'USER_NOT_FOUND', error_message: 'no user u-x' })).toBe('! message/send failed: 404 USER_NOT_FOUND: no user u-x');
    expect(formatError('auth/login', { status: 429, error_code: 'RATE_LIMITED', error_message: 'slow down', retry_after_ms: 1500 })).toBe(
      '! auth/login failed: 429 RATE_LIMITED: slow down (retry after 2 s)',
    );
  });
});

describe('#18.11 the chat CLI escapes control and bidi characters in peer text', () => {
  // Every character a terminal acts on: C0 (ESC, CR, BEL, ...), DEL, C1, bidi controls, separators.
  const ACTIVE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
  const hostile = '\u001b]0;pwned\u0007\u001b[2K\r\u009b31m\u202egnp.exe\u2066x\u2069\u0000\u007f\t\n<fake line>';

  it('shows the probe\'s title/erase sequence escaped, on one line', () => {
    const line = formatMessage({ message_id: 'm-1', conversation_id: 'd-x', seq: 1, sender_id: 'u-b', sent_at_ms: 0, content: { type: 'text', text: hostile } }, book());
    expect(line).not.toMatch(ACTIVE);
    expect(line).toContain('\\x1b]0;pwned\\x07\\x1b[2K\\x0d\\x9b31m\\u202egnp.exe\\u2066x\\u2069\\x00\\x7f\\x09 ⏎ <fake line>');
    expect(inline('plain text, ünïcode ✓')).toBe('plain text, ünïcode ✓');
  });

  it('escapes every peer field of every line the CLI formats', () => {
    const card = { user_id: hostile, username: hostile, display_name: hostile, status_text: hostile, note: hostile, contact: hostile };
    // A hostile name learnt from a card is escaped wherever it is shown instead of an id.
    const names = book(true);
    names.learnUser('u-dddddddddddddddd', hostile);
    names.learnGroup('g-9', hostile);
    const lines = [
      contentText({ content: { type: 'file-ref', file_id: hostile, name: hostile, size: 1 }, attachments: [{ file_id: hostile, name: hostile, size: 2 }] }),
      contentText({ content: { type: hostile } }),
      ...formatReceipt({ conversation_id: hostile, seq: 1, state: hostile, by: hostile }, names),
      ...formatReceipt({ conversation_id: 'g-9', seq: 1, state: 'read', by: 'u-dddddddddddddddd' }, names),
      formatMessage({ message_id: 'm-1', conversation_id: 'g-9', seq: 1, sender_id: 'u-dddddddddddddddd', content: { text: hostile } }, names),
      formatPresence({ user_id: hostile, status: hostile, text: hostile, devices: [hostile] }, names),
      ...['group.created', 'group.member_added', 'group.member_removed', 'group.member_left', 'contact.request', 'contact.accepted', 'contact.declined', 'contact.removed', 'contact.request_cancelled', hostile].map((type) =>
        formatNotification({ type, conversation_id: hostile, name: hostile, by: hostile, members: [hostile], role: hostile, new_owner_id: hostile, user: card, note: hostile, extra: hostile }, names),
      ),
      formatConversation({ conversation_id: hostile, kind: 'group', name: hostile, member_count: 2, last_message: { sender_id: hostile, content: { text: hostile } } }, names),
      formatConversation({ conversation_id: hostile, kind: 'direct', peer_id: hostile, member_count: 2 }, names),
      formatError('x/y', { status: 400, error_code: hostile, error_message: hostile, missing: [hostile] }),
      formatCard(card),
    ];
    for (const line of lines) expect(line).not.toMatch(ACTIVE);
  });

  it('printable (applied to every printed line) keeps only the newline', () => {
    expect(printable('a\nb')).toBe('a\nb');
    expect(printable(hostile)).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });
});
