/**
 * The SDK's message stream: exactly once, in seq order per conversation, from any mix of live
 * pushes, offline batches and sync pages (a fake sync source stands in for message/history).
 */
import { backoffDelay } from '../../../src/client/backoff';
import { MessageSource, MessageStream } from '../../../src/client/message-stream';
import type { HistoryResponse } from '../../../src/shared/protocol/api';
import type { WireMessage } from '../../../src/shared/protocol/messages/message.messages';

const msg = (conversation_id: string, seq: number): WireMessage => ({
  message_id: `m-${conversation_id}-${seq}`,
  conversation_id,
  seq,
  sender_id: 'u-x',
  sent_at: 0,
  sent_at_ms: 0,
  content: { type: 'text', text: `${conversation_id}#${seq}` } as never,
  attachments: [],
  meta: {},
});

/** A server holding `stored` messages; sync pages of `pageSize` after a numeric cursor (index). */
function setup(stored: WireMessage[], options: { pageSize?: number; cursor?: string; startFrom?: 'now' | 'beginning' } = {}) {
  const delivered: [string, number, MessageSource][] = [];
  let syncs = 0;
  const stream = new MessageStream(
    {
      fetchSync: async (cursor) => {
        syncs++;
        const from = cursor ? Number(cursor) : 0;
        const page = stored.slice(from, from + (options.pageSize ?? 100));
        return { status: 200, messages: page, has_more: from + page.length < stored.length, next_cursor: String(from + page.length) } as HistoryResponse;
      },
      deliver: (m, source) => delivered.push([m.conversation_id, m.seq, source]),
    },
    options.cursor,
    options.startFrom ?? 'beginning',
  );
  return { stream, delivered, syncs: () => syncs };
}

describe('MessageStream', () => {
  it('delivers contiguous live messages at once and drops duplicates (offline replays)', async () => {
    const { stream, delivered } = setup([msg('d-1', 1)]);
    await stream.sync();
    stream.push(msg('d-1', 2), 'live');
    stream.push(msg('d-1', 2), 'offline');
    stream.push(msg('d-1', 1), 'offline');
    stream.push(msg('d-1', 3), 'live');
    expect(delivered).toEqual([
      ['d-1', 1, 'sync'],
      ['d-1', 2, 'live'],
      ['d-1', 3, 'live'],
    ]);
  });

  it('fills a gap through sync, then delivers what waited, in order, once', async () => {
    const stored = [1, 2, 3, 4, 5].map((s) => msg('g-1', s));
    const { stream, delivered } = setup(stored, { pageSize: 2 });
    stream.push(msg('g-1', 1), 'live'); // unknown conversation: waits for the sync
    await stream.idle();
    stream.push(msg('g-1', 5), 'live'); // ahead of everything delivered so far
    await stream.idle();
    expect(delivered.map(([, seq]) => seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps conversations independent and resumes from a cursor', async () => {
    const stored = [msg('a', 1), msg('a', 2), msg('b', 1)];
    const { stream, delivered } = setup(stored, { cursor: '2' });
    await stream.sync();
    expect(delivered).toEqual([['b', 1, 'sync']]);
    expect(stream.cursor).toBe('3');
  });

  it('starting "now" skips history, then delivers what comes after', async () => {
    const { stream, delivered } = setup([msg('a', 1), msg('a', 2)], { startFrom: 'now' });
    stream.push(msg('a', 2), 'offline');
    await stream.idle();
    stream.push(msg('a', 3), 'live');
    expect(delivered).toEqual([['a', 3, 'live']]);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially with jitter in the upper half, capped', () => {
    const low = { baseMs: 100, maxMs: 1000, random: () => 0 };
    const high = { ...low, random: () => 0.999999 };
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, low))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4].map((a) => backoffDelay(a, high))).toEqual([100, 200, 400, 800, 1000]);
  });

  it('never goes below the server hint (retry_after_ms)', () => {
    for (const r of [0, 0.5, 0.99]) expect(backoffDelay(0, { baseMs: 100, random: () => r }, 2500)).toBeGreaterThanOrEqual(2500);
  });
});
