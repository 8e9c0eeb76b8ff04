/**
 * The frame check every spec runs (test/support/frame-contract.setup.ts) really refuses frames
 * that break the generated payload schemas, and leaves alone what it cannot judge.
 */
import { FrameContract } from '../../support/frame-contract';

const poll = { poll_id: 'p-1', conversation_id: 'g-1', creator_id: 'u-1', question: 'Q?', options: ['a', 'b'], votes: [0, 1], created_at: 1 };

describe('frame contract check', () => {
  it('accepts frames matching their command’s schema and records what it checked', () => {
    const c = new FrameContract();
    c.check({ type: 'response', command: 'poll/vote', payload: { status: 200, poll } });
    c.check({ type: 'response', command: 'poll/vote', payload: { status: 404, error_code: 'NOT_FOUND', error_message: 'no poll' } });
    c.check({ type: 'response', command: 'control/ping', payload: { status: 200, server_time: 1, server_time_ms: 1000 } });
    expect(c.problems).toEqual([]);
    expect([...c.checked].sort()).toEqual(['control/ping response', 'poll/vote error', 'poll/vote response']);
  });

  it('records a success response, an error or an event that breaks its schema', () => {
    const c = new FrameContract();
    c.check({ type: 'response', command: 'poll/create', payload: { status: 200, poll: { ...poll, votes: 'many' } } });
    c.check({ type: 'response', command: 'message/send', payload: { status: 409, error_message: 'no code' } });
    c.check({ type: 'event', command: 'control/error', payload: { status: 'bad' } });
    expect(c.problems.map((p) => [p.command, p.type])).toEqual([
      ['poll/create', 'response'],
      ['message/send', 'error'],
      ['control/error', 'event'],
    ]);
    expect(c.problems[0].problem).toContain('votes');
  });

  it('leaves undeclared commands and sealed payloads alone', () => {
    const c = new FrameContract();
    c.check({ type: 'response', command: 'test/echo', payload: { anything: true } });
    c.check({ type: 'response', command: 'poll/create', payload: { enc: 'aes-256-gcm', iv: 'x', data: 'y', tag: 'z' } });
    expect(c.problems).toEqual([]);
    expect(c.checked.size).toBe(0);
  });
});
