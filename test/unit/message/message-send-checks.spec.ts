/** Other modules' message/send checks: no await for sends they have nothing to check, order kept otherwise. */
import { ProtocolError } from '../../../src/shared/protocol';
import { MessageSendChecks } from '../../../src/modules/message/message-send-checks';

const ctx = { senderId: 'u-1', conversationId: 'g-1', dto: { target: { type: 'group', id: 'g-1' }, content: { type: 'text', text: 'hi' } } } as never;

describe('MessageSendChecks', () => {
  it('returns undefined synchronously when no check has anything to do', () => {
    const checks = new MessageSendChecks();
    expect(checks.run(ctx)).toBeUndefined();
    const seen: string[] = [];
    checks.register(() => void seen.push('a'));
    checks.register(() => void seen.push('b'));
    expect(checks.run(ctx)).toBeUndefined();
    expect(seen).toEqual(['a', 'b']);
  });

  it('runs the checks after an asynchronous one in order, and a refusal stops the rest', async () => {
    const checks = new MessageSendChecks();
    const seen: string[] = [];
    let release!: () => void;
    checks.register(() => new Promise<void>((resolve) => (release = () => (seen.push('async'), resolve()))));
    checks.register(() => void seen.push('after'));
    const pending = checks.run(ctx);
    expect(pending).toBeInstanceOf(Promise);
    expect(seen).toEqual([]);
    release();
    await pending;
    expect(seen).toEqual(['async', 'after']);

    const refusing = new MessageSendChecks();
    refusing.register(() => Promise.reject(new ProtocolError('FORBIDDEN', 'no', 403)));
    refusing.register(() => void seen.push('never'));
    await expect(refusing.run(ctx)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(seen).not.toContain('never');
  });
});
