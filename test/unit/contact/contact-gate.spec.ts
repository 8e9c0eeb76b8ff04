/**
 * The direct-message gate must cost nothing per message in the common case (policy `anyone`, no
 * block on the server), decide from its caches otherwise, and drop them on every change (its own
 * or one announced by another process on the bus).
 */
import { ContactGate, CONTACT_CACHE_SIGNAL } from '../../../src/modules/contact/contact-gate';
import type { ContactRepository } from '../../../src/modules/contact/contact.repository';
import { InProcessEventBus } from '../../../src/transport/event-bus';

class FakeRepository {
  calls = 0;
  /** [blocker, blocked] */
  blocks: [string, string][] = [];
  contacts: [string, string][] = [];
  async anyBlocks() {
    this.calls++;
    return this.blocks.length > 0;
  }
  async blocksOf(user: string) {
    this.calls++;
    return { blockers: this.blocks.filter(([, b]) => b === user).map(([a]) => a), blocked: this.blocks.filter(([a]) => a === user).map(([, b]) => b) };
  }
  async acceptedPeers(user: string) {
    this.calls++;
    return this.contacts.filter(([a]) => a === user).map(([, b]) => b);
  }
}

function gate(policy: 'anyone' | 'contacts', repo: FakeRepository, bus = new InProcessEventBus()) {
  const g = new ContactGate(repo as unknown as ContactRepository, bus, { directMessagePolicy: policy } as never);
  g.onModuleInit();
  return g;
}

describe('ContactGate', () => {
  it('policy anyone and no block anywhere: undefined at once, no I/O after the first look', async () => {
    const repo = new FakeRepository();
    const g = gate('anyone', repo);
    await g.checkDirect('u-a', 'u-b'); // first use learns that there is no block
    await new Promise((r) => setImmediate(r));
    const before = repo.calls;
    for (let i = 0; i < 1000; i++) expect(g.checkDirect('u-a', `u-${i}`)).toBeUndefined();
    expect(repo.calls).toBe(before);
  });

  it('a block (announced on the bus by another process): the blocker is absent to the blocked user (404 as for an unknown id), the blocker is told it is their block (#18.5)', async () => {
    const repo = new FakeRepository();
    const bus = new InProcessEventBus();
    const g = gate('anyone', repo, bus);
    await g.checkDirect('u-a', 'u-b');
    await new Promise((r) => setImmediate(r));
    expect(g.blockedBetween('u-a', 'u-b')).toBe(false);
    repo.blocks.push(['u-b', 'u-a']);
    await bus.publish({ kind: 'event', target: { connections: [] }, command: CONTACT_CACHE_SIGNAL, payload: { users: ['u-a', 'u-b'], blocked: true } });
    await expect(g.checkDirect('u-a', 'u-b')).rejects.toMatchObject({ code: 'USER_NOT_FOUND', message: 'user u-b does not exist' });
    await expect(g.checkDirect('u-b', 'u-a')).rejects.toMatchObject({ code: 'REFUSED', status: 403, message: expect.stringContaining('you blocked') });
    // Cached now: decided without I/O, others unaffected.
    const before = repo.calls;
    await expect(g.checkDirect('u-a', 'u-b')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    expect(g.checkDirect('u-a', 'u-c')).toBeUndefined();
    expect(g.blockedBetween('u-a', 'u-b')).toBe(true);
    expect(g.blockedBetween('u-b', 'u-a')).toBe(true);
    expect(g.blockedBetween('u-a', 'u-c')).toBe(false);
    expect(repo.calls).toBe(before);
  });

  it('policy contacts follows contact changes', async () => {
    const repo = new FakeRepository();
    const g = gate('contacts', repo);
    await expect(g.checkDirect('u-a', 'u-b')).rejects.toMatchObject({ code: 'REFUSED' });
    repo.contacts.push(['u-a', 'u-b']);
    await g.changed(['u-a', 'u-b']);
    await expect(g.checkDirect('u-a', 'u-b')).resolves.toBeUndefined();
    expect(g.checkDirect('u-a', 'u-b')).toBeUndefined();
    repo.contacts = [];
    await g.changed(['u-b', 'u-a']);
    await expect(g.checkDirect('u-a', 'u-b')).rejects.toMatchObject({ code: 'REFUSED' });
  });
});
