/**
 * #18.3, the rules of DataConnectionGuard without sockets: which bus messages close which data
 * connections, idleness measured as "no byte moved in either direction", and a session store that
 * cannot answer (an outage) never taken for a revocation.
 */
import { AccessTokenVerifier, VerifiedAccess } from '../../../src/common/guards/access-token-verifier';
import { fileConfig } from '../../../src/modules/file/file.config';
import { DataConnectionGuard } from '../../../src/modules/file/data-connection-guard';
import { ProtocolError } from '../../../src/shared/protocol';
import { InProcessEventBus } from '../../../src/transport/event-bus';
import type { ChannelConnection } from '../../../src/transport/tlv-channel';

class FakeVerifier extends AccessTokenVerifier {
  answer: (sessionId: string) => void = () => undefined;
  async verify(): Promise<VerifiedAccess> {
    throw new Error('not used');
  }
  assertSessionActive(_userId: string, sessionId: string): void {
    this.answer(sessionId);
  }
}

function conn(id: string): ChannelConnection & { bytesRead: number; bytesWritten: number } {
  return { id, closed: false, bytesRead: 0, bytesWritten: 0 } as unknown as ChannelConnection & { bytesRead: number; bytesWritten: number };
}

describe('#18.3 DataConnectionGuard', () => {
  const config = fileConfig.parse({ FILE_IDLE_TIMEOUT_S: '10' });
  let bus: InProcessEventBus;
  let verifier: FakeVerifier;
  let guard: DataConnectionGuard;
  let closed: Map<string, string>;

  beforeEach(() => {
    bus = new InProcessEventBus();
    verifier = new FakeVerifier();
    guard = new DataConnectionGuard(config, bus, verifier);
    guard.onModuleInit();
    closed = new Map();
  });
  afterEach(() => guard.onModuleDestroy());

  function track(c: ChannelConnection, userId: string, sessionId: string): void {
    guard.track(c, { userId, sessionId, expiresAt: Date.now() + 60_000 }, (error) => closed.set(c.id, error.code));
  }

  it('closes the connections of the sessions or users a disconnect names (kick and logout unbind alike), and nothing else', async () => {
    const [a1, a2, b1, c1] = [conn('a1'), conn('a2'), conn('b1'), conn('c1')];
    track(a1, 'u-a', 's-a1');
    track(a2, 'u-a', 's-a2');
    track(b1, 'u-b', 's-b1');
    track(c1, 'u-c', 's-c1');
    await bus.publish({ kind: 'disconnect', target: { sessions: ['s-a1'] }, unbindOnly: true });
    expect([...closed]).toEqual([['a1', 'SESSION_REVOKED']]);
    await bus.publish({ kind: 'disconnect', target: { users: ['u-b'] } });
    expect(closed.get('b1')).toBe('SESSION_REVOKED');
    // An event (not a disconnect), or a disconnect aimed at control connections by id, closes nothing.
    await bus.publish({ kind: 'event', target: { sessions: ['s-a2'] }, command: 'x/y', payload: {} });
    await bus.publish({ kind: 'disconnect', target: { connections: ['a2'] } });
    expect(closed.has('a2')).toBe(false);
    await bus.publish({ kind: 'disconnect', target: { all: true } });
    expect(closed.get('a2')).toBe('SESSION_REVOKED');
    expect(closed.get('c1')).toBe('SESSION_REVOKED');
  });

  it('closes a connection on which no byte moved for FILE_IDLE_TIMEOUT_S, not one that keeps moving', async () => {
    const [still, moving] = [conn('still'), conn('moving')];
    track(still, 'u', 's');
    track(moving, 'u', 's');
    const t0 = Date.now();
    await guard.sweep(t0 + 5_000);
    moving.bytesWritten += 100;
    await guard.sweep(t0 + 9_000);
    expect(closed.size).toBe(0);
    moving.bytesRead += 1;
    await guard.sweep(t0 + 10_001);
    expect([...closed]).toEqual([['still', 'IDLE_TIMEOUT']]);
    await guard.sweep(t0 + 18_000);
    expect(closed.has('moving')).toBe(false);
  });

  it('closes on a revocation the periodic check finds, but not when the session store is unreachable', async () => {
    const c = conn('c');
    track(c, 'u', 's-1');
    verifier.answer = () => {
      throw new ProtocolError('UNAVAILABLE', 'database down', 503);
    };
    await guard.sweep();
    expect(closed.size).toBe(0);
    verifier.answer = () => {
      throw new ProtocolError('SESSION_REVOKED', 'revoked');
    };
    await guard.sweep();
    expect(closed.get('c')).toBe('SESSION_REVOKED');
    // Untracked once closed: no second close.
    closed.clear();
    await guard.sweep();
    expect(closed.size).toBe(0);
  });
});
