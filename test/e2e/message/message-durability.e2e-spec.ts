/**
 * Durability: the BUILT server runs as a child process; pipelined sends stream in (stored by
 * group commit, several per transaction); the process is killed with SIGKILL mid-stream and
 * restarted on the same database. Every message that got a 200 must
 * be in history exactly once, seqs stay gap-free, and retrying the unanswered sends with their
 * original ids stores each of them exactly once.
 */
import { randomUUID } from 'node:crypto';
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { login, registerOn } from '../../support/users';
import { ensureBuilt, spawnServer, SpawnedServer } from '../../support/spawn-server';
import { createTestDatabase, TestDatabase } from '../../support/test-db';
import { CLIENT_TIMEOUT_MS, directId, historyBackwards, range, text } from './message-helpers';

const ENV = { RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0', LOG_LEVEL: 'error' };

async function connect(server: SpawnedServer): Promise<SwitchboardClient> {
  return SwitchboardClient.connect({ port: server.tcpPort, timeoutMs: CLIENT_TIMEOUT_MS });
}

describe('durability across kill -9', () => {
  let db: TestDatabase;
  let server: SpawnedServer | undefined;
  const clients: SwitchboardClient[] = [];

  beforeAll(async () => {
    // Building dist/ (when stale) can take a while on a busy machine: not part of the test's time.
    ensureBuilt();
    db = await createTestDatabase();
  }, 300_000);
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop('SIGKILL');
    await db.drop();
  });

  it('keeps every acknowledged message exactly once and retries store the rest exactly once', async () => {
    server = await spawnServer({ ...db.env, ...ENV });
    const alice = await connect(server);
    const bob = await connect(server);
    clients.push(alice, bob);
    const creds = { alice: { username: `alice_${randomUUID().slice(0, 8)}`, password: 'correct-horse-battery' }, bob: { username: `bob_${randomUUID().slice(0, 8)}`, password: 'correct-horse-battery' } };
    const bobId = (await registerOn(bob, creds.bob)).userId;
    const aliceId = (await registerOn(alice, creds.alice)).userId;
    await login(alice, creds.alice.username, creds.alice.password);

    // Stream pipelined sends (64 in flight, as group commit stores them in batches) and SIGKILL
    // the server once 300 have been answered; sending goes on until the connection breaks.
    const WINDOW = 64;
    const TOTAL = 20_000;
    const sent: { id: string; text: string }[] = [];
    const acked = new Map<string, { message_id: string; seq: number }>();
    let killed: Promise<unknown> | undefined;
    let cut = false;
    await new Promise<void>((streamEnded) => {
      let inFlight = 0;
      const pump = () => {
        while (!cut && inFlight < WINDOW && sent.length < TOTAL) {
          const item = { id: `dur-${sent.length + 1}-${randomUUID()}`, text: `d${sent.length + 1}` };
          sent.push(item);
          inFlight++;
          alice
            .request('message/send', { target: { type: 'user', id: bobId }, content: text(item.text) }, { id: item.id })
            .then(
              (response) => {
                if (response.payload.status === 200) acked.set(item.id, { message_id: response.payload.message_id, seq: response.payload.seq });
                if (acked.size >= 300 && !killed) killed = server!.stop('SIGKILL');
              },
              () => (cut = true),
            )
            .finally(() => {
              inFlight--;
              if (inFlight === 0 && (cut || sent.length >= TOTAL)) streamEnded();
              else pump();
            });
        }
      };
      pump();
    });
    await killed;
    expect(acked.size).toBeGreaterThanOrEqual(300);
    expect(cut).toBe(true); // the stream really was cut: sends in flight got no answer

    // Restart on the same database.
    server = await spawnServer({ ...db.env, ...ENV });
    const reader = await connect(server);
    clients.push(reader);
    await login(reader, creds.bob.username, creds.bob.password);
    const conversation = directId(aliceId, bobId);
    const stored = (await historyBackwards(reader, conversation, 100)).reverse().flatMap((p) => p.messages);
    const byId = new Map(stored.map((m) => [m.message_id, m]));
    for (const [, ack] of acked) {
      expect(byId.get(ack.message_id)).toMatchObject({ seq: ack.seq });
    }
    expect(stored.map((m) => m.seq)).toEqual(range(1, stored.length));
    const texts = stored.map((m) => m.content.text);
    expect(new Set(texts).size).toBe(texts.length);

    // The sender retries everything it has no answer for, with the original ids.
    const sender = await connect(server);
    clients.push(sender);
    await login(sender, creds.alice.username, creds.alice.password);
    const unanswered = sent.filter(({ id }) => !acked.has(id));
    const retried = await Promise.all(unanswered.map(({ id, text: t }) => sender.call('message/send', { target: { type: 'user', id: bobId }, content: text(t) }, { id })));
    // Those the server had stored before dying come back as duplicates with their old seq.
    const survivors = new Set(texts);
    for (const [i, r] of retried.entries()) {
      if (survivors.has(unanswered[i].text)) expect(r.duplicate).toBe(true);
      else expect(r.duplicate).toBeUndefined();
    }
    // An acknowledged id retried once more is still the same message.
    const [firstId, firstAck] = [...acked][0];
    const again = await sender.call('message/send', { target: { type: 'user', id: bobId }, content: text(sent.find((x) => x.id === firstId)!.text) }, { id: firstId });
    expect(again).toMatchObject({ message_id: firstAck.message_id, seq: firstAck.seq, duplicate: true });

    const final = (await historyBackwards(reader, conversation, 100)).reverse().flatMap((p) => p.messages);
    expect(final.map((m) => m.seq)).toEqual(range(1, sent.length));
    expect(final.map((m) => m.content.text).sort()).toEqual(sent.map((x) => x.text).sort());
  }, 240_000);
});
