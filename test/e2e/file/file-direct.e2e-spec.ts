/**
 * Issue #21.6: direct (mode "active") file transfers. The server brokers (endpoint + one-time
 * token to the chosen recipient only) and never carries a file byte: its file data channel and
 * control channel byte counters prove it. The link is resumable, a wrong token is refused before
 * any byte, and an unreachable listener (or a server with FILE_ACTIVE_MODE=off) falls back to the
 * passive, server-relayed transfer.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { TlvType } from '../../../src/shared/protocol';
import { startTestApp, TestApp } from '../../support/test-app';
import { TlvPeer } from '../../support/tlv-helpers';
import { closedPort } from '../../support/transport-helpers';
import { LoggedInUser, registerAndLogin } from '../../support/users';
import { randomContent, sha256, tempDir } from './file-helpers';

/** Sum of every sample of a counter (all label sets) matching `labels`. */
async function counter(app: TestApp, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${app.httpPort}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `) || (!labels && l.startsWith(`${name}{`)))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

async function serverBytes(app: TestApp): Promise<{ file: number; control: number }> {
  const file = (await counter(app, 'switchboard_channel_bytes_in_total', 'channel="file"')) + (await counter(app, 'switchboard_channel_bytes_out_total', 'channel="file"'));
  const control = (await counter(app, 'switchboard_bytes_in_total')) + (await counter(app, 'switchboard_bytes_out_total'));
  return { file, control };
}

const offerFor = (client: SwitchboardClient, hash: string) =>
  client.waitFor((f) => f.command === 'file/accept' && f.payload.mode === 'active' && f.payload.hash === `sha256:${hash}`);


describe('direct (active) file transfers', () => {
  let app: TestApp;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  let carol: LoggedInUser;
  const tmp = tempDir();

  beforeAll(async () => {
    app = await startTestApp();
    [alice, bob, carol] = await Promise.all([registerAndLogin(app), registerAndLogin(app), registerAndLogin(app)]);
  });
  afterAll(async () => {
    await app.close();
    tmp.cleanup();
  });

  it('moves 50 MiB from client to client; the server relays zero file bytes and records completion from both sides', async () => {
    const content = randomContent(50 * 1024 * 1024);
    const source = path.join(tmp.dir, 'big.bin');
    fs.writeFileSync(source, content);
    const before = await serverBytes(app);
    const sending = alice.client.sendDirect(source, bob.userId);
    const offer = (await offerFor(bob.client, sha256(content))).payload;
    expect(offer).toMatchObject({ status: 200, mode: 'active', from: alice.userId, file_name: 'big.bin', file_size: content.length, endpoint: { host: '127.0.0.1', protocol: 'tcp' } });
    expect(offer.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const dest = path.join(tmp.dir, 'bob-big.bin');
    const [sent, received] = await Promise.all([sending, bob.client.receiveDirect(offer, dest)]);
    expect(sent).toMatchObject({ mode: 'active', transferId: offer.transfer_id, size: content.length });
    expect(received).toMatchObject({ mode: 'active', size: content.length, hash: sha256(content) });
    expect(sha256(fs.readFileSync(dest))).toBe(sha256(content));

    // Both sides reported it; both are told it is complete.
    for (const who of [alice, bob]) {
      const done = await who.client.waitFor((f) => f.command === 'file/ack' && f.payload.transfer_id === offer.transfer_id && f.payload.state === 'complete');
      expect(done.payload).toMatchObject({ mode: 'active', offset: content.length, sender_done: true, recipient_done: true });
    }
    const after = await serverBytes(app);
    expect(after.file - before.file).toBe(0);
    // The control channel carried the negotiation only (a few KiB), not the file.
    expect(after.control - before.control).toBeLessThan(64 * 1024);
  });

  it('resumes after the direct link is cut, from what the receiver holds', async () => {
    const content = randomContent(20 * 1024 * 1024);
    const listenPort = await closedPort();
    // A proxy between the two clients that cuts the first connection after 6 MiB.
    const downstream: number[] = [];
    const proxy = net.createServer((inbound) => {
      const index = downstream.push(0) - 1;
      const outbound = net.connect(listenPort, '127.0.0.1');
      inbound.on('error', () => undefined);
      outbound.on('error', () => undefined);
      inbound.pipe(outbound);
      outbound.on('data', (chunk: Buffer) => {
        downstream[index] += chunk.length;
        inbound.write(chunk);
        if (index === 0 && downstream[0] > 6 * 1024 * 1024) {
          inbound.destroy();
          outbound.destroy();
        }
      });
      outbound.on('close', () => inbound.destroy());
      inbound.on('close', () => outbound.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const proxyPort = (proxy.address() as net.AddressInfo).port;
      const sending = alice.client.sendDirect(content, bob.userId, { fileName: 'cut.bin', listenPort, advertise: { port: proxyPort } });
      const offer = (await offerFor(bob.client, sha256(content))).payload;
      expect(offer.endpoint.port).toBe(proxyPort);
      const dest = path.join(tmp.dir, 'bob-cut.bin');
      const progress: number[] = [];
      const [sent, received] = await Promise.all([sending, bob.client.receiveDirect(offer, dest, { onProgress: (p) => progress.push(p.bytes) })]);
      expect(sent.mode).toBe('active');
      expect(received).toMatchObject({ mode: 'active', hash: sha256(content) });
      expect(sha256(fs.readFileSync(dest))).toBe(sha256(content));
      expect(downstream.length).toBe(2);
      // The second connection carried the rest, not the whole file again (what the receiver held
      // when the link was cut stays: its progress never went back).
      expect(downstream[0]).toBeGreaterThan(6 * 1024 * 1024);
      expect(downstream[1]).toBeLessThan(content.length);
      expect([...progress].sort((a, b) => a - b)).toEqual(progress);
      expect(progress.at(-1)).toBe(content.length);
    } finally {
      proxy.close();
    }
  });

  it('falls back to passive when the listener is unreachable, and when nobody connects in time', async () => {
    const content = randomContent(3 * 1024 * 1024);
    const before = await serverBytes(app);
    const sending = alice.client.sendDirect(content, bob.userId, { fileName: 'unreachable.bin', advertise: { port: await closedPort() } });
    const offer = (await offerFor(bob.client, sha256(content))).payload;
    const dest = path.join(tmp.dir, 'bob-fallback.bin');
    const [sent, received] = await Promise.all([sending, bob.client.receiveDirect(offer, dest, { connectTimeoutMs: 2000 })]);
    expect(sent).toMatchObject({ mode: 'passive', size: content.length });
    expect(sent.fileId).toMatch(/^f-/);
    expect(received).toMatchObject({ mode: 'passive', fileId: sent.fileId, hash: sha256(content) });
    expect(fs.readFileSync(dest).equals(content)).toBe(true);
    // Through the server this time (so the counters of the first test can tell).
    expect((await serverBytes(app)).file - before.file).toBeGreaterThan(2 * content.length);
    expect((await alice.client.call('file/ack', { transfer_id: offer.transfer_id })).state).toBe('cancelled');

    // The recipient never answers: the sender's own clock falls back.
    const quiet = randomContent(1000);
    const late = await alice.client.sendDirect(quiet, carol.userId, { fileName: 'quiet.bin', timeoutMs: 300 });
    expect(late).toMatchObject({ mode: 'passive', fallbackReason: expect.stringMatching(/no peer connected within 300 ms/) });
    const ref = await carol.client.waitFor((f) => f.command === 'message/event' && (f.payload as any).message.content.file_id === late.fileId);
    expect(ref.payload.message.content).toMatchObject({ type: 'file-ref', name: 'quiet.bin', size: 1000 });
  });

  it('a wrong token is refused before any byte; a stranger gets neither the endpoint nor the token, and cannot touch the transfer', async () => {
    const content = randomContent(2 * 1024 * 1024);
    const sending = alice.client.sendDirect(content, bob.userId, { fileName: 'secret.bin' });
    const offer = (await offerFor(bob.client, sha256(content))).payload;

    const wrong = await TlvPeer.connect(offer.endpoint.port);
    // One peer at a time: while it holds the listener, a second connection is closed unanswered.
    const second = await TlvPeer.connect(offer.endpoint.port);
    await second.whenClosed();
    expect(second.frames).toEqual([]);
    wrong.send(TlvType.OPEN, { transfer_id: offer.transfer_id, token: randomBytes(32).toString('base64url'), offset: 0 });
    expect(await wrong.nextJson(TlvType.ERROR)).toMatchObject({ status: 403, error_code: 'FORBIDDEN' });
    await wrong.whenClosed();
    expect(wrong.frames.map((f) => f.type)).toEqual([TlvType.ERROR]);

    // Carol: no offer reached her (a message sent after it did), and the transfer is unknown to her.
    await alice.client.call('message/send', { target: { type: 'user', id: carol.userId }, content: { type: 'text', text: `after-${offer.transfer_id}` } });
    await carol.client.waitFor((f) => f.command === 'message/event' && (f.payload as any).message.content.text === `after-${offer.transfer_id}`);
    expect(carol.client.events.filter((f) => f.command === 'file/accept' && f.payload.transfer_id === offer.transfer_id)).toEqual([]);
    const strip = (p: Record<string, unknown>, id: string) => ({ ...p, error_message: String(p.error_message).split(id).join('<id>') });
    const ghost = `td-${randomBytes(12).toString('hex')}`;
    for (const command of ['file/ack', 'file/cancel']) {
      const theirs = (await carol.client.request(command, { transfer_id: offer.transfer_id })).payload;
      const nobodys = (await carol.client.request(command, { transfer_id: ghost })).payload;
      expect(theirs.status).toBe(404);
      expect(strip(theirs, offer.transfer_id)).toEqual(strip(nobodys, ghost));
    }

    // The right peer still gets the file after the refused one.
    const received = await bob.client.receiveDirect(offer, path.join(tmp.dir, 'bob-secret.bin'));
    expect(received).toMatchObject({ mode: 'active', hash: sha256(content) });
    expect((await sending).mode).toBe('active');
  });

  it('a peer that connects before the sender has its answer is held, then served once the token is known', async () => {
    const content = randomContent(100 * 1024);
    const listenPort = await closedPort();
    // Alice's answer is held back (her control socket is not read) until the peer is connected.
    alice.client.socket.pause();
    const sending = alice.client.sendDirect(content, bob.userId, { fileName: 'early.bin', listenPort });
    // Connect as soon as the listener is up (it listens before file/request is sent).
    let peer: TlvPeer | undefined;
    while (!peer) peer = await TlvPeer.connect(listenPort).catch(() => undefined);
    const offer = (await offerFor(bob.client, sha256(content))).payload;
    alice.client.socket.resume();
    peer.send(TlvType.OPEN, { transfer_id: offer.transfer_id, token: offer.token, offset: 0 });
    expect(await peer.nextJson(TlvType.ACK)).toMatchObject({ offset: 0, status: 200 });
    const data = await peer.next((f) => f.type === TlvType.DATA);
    expect(data.payload.equals(content)).toBe(true);
    peer.send(TlvType.ACK, { transfer_id: offer.transfer_id, offset: content.length, status: 200 });
    expect(await peer.nextJson(TlvType.ACK, 1)).toMatchObject({ offset: content.length });
    expect((await sending).mode).toBe('active');
  });

  it('a direct offer to someone who blocked you answers as for a user nobody has', async () => {
    const dave = await registerAndLogin(app);
    await dave.client.call('contact/block', { user_id: alice.userId });
    const offer = (id: string) => ({ mode: 'active', endpoint: { host: '127.0.0.1', port: 9, protocol: 'tcp' }, file_name: 'x', file_size: 1, hash: `sha256:${'0'.repeat(64)}`, target: { type: 'user', id } });
    const ghost = `u-${randomBytes(8).toString('hex')}`;
    const blocked = (await alice.client.request('file/request', offer(dave.userId))).payload;
    const nobody = (await alice.client.request('file/request', offer(ghost))).payload;
    expect(blocked).toMatchObject({ status: 404, error_code: 'USER_NOT_FOUND' });
    expect(String(blocked.error_message).replace(dave.userId, '<X>')).toBe(String(nobody.error_message).replace(ghost, '<X>'));
    expect(dave.client.events.filter((f) => f.command === 'file/accept')).toEqual([]);
  });
});

describe('FILE_ACTIVE_MODE=off', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ FILE_ACTIVE_MODE: 'off' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('refuses active requests clearly, and the SDK sends through the server instead', async () => {
    const [alice, bob] = await Promise.all([registerAndLogin(app), registerAndLogin(app)]);
    const content = randomContent(4096);
    const refused = (await alice.client.request('file/request', { mode: 'active', endpoint: { host: '127.0.0.1', port: 9, protocol: 'tcp' }, file_name: 'x.bin', file_size: content.length, hash: `sha256:${sha256(content)}`, target: { type: 'user', id: bob.userId } })).payload;
    expect(refused).toMatchObject({ status: 400, error_code: 'MODE_NOT_SUPPORTED' });
    expect(refused.error_message).toMatch(/FILE_ACTIVE_MODE=off/);
    const sent = await alice.client.sendDirect(content, bob.userId, { fileName: 'x.bin' });
    expect(sent).toMatchObject({ mode: 'passive', fallbackReason: expect.stringMatching(/FILE_ACTIVE_MODE=off/) });
    expect(bob.client.events.filter((f) => f.command === 'file/accept')).toEqual([]);
  });
});

describe('direct offers nobody finishes', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ FILE_TRANSFER_TTL: '1' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('are cancelled after FILE_TRANSFER_TTL, and both sides are told', async () => {
    const [alice, bob] = await Promise.all([registerAndLogin(app), registerAndLogin(app)]);
    const offered = await alice.client.call('file/request', { mode: 'active', endpoint: { host: '127.0.0.1', port: 9, protocol: 'tcp' }, file_name: 'x.bin', file_size: 1, hash: `sha256:${'1'.repeat(64)}`, target: { type: 'user', id: bob.userId } });
    expect((await alice.client.call('file/ack', { transfer_id: offered.transfer_id })).state).toBe('offered');
    for (const who of [alice, bob]) {
      const told = await who.client.waitFor((f) => f.command === 'file/cancel' && f.payload.transfer_id === offered.transfer_id, { timeoutMs: 10_000 });
      expect(told.payload).toMatchObject({ state: 'cancelled', by: 'server', reason: expect.stringMatching(/FILE_TRANSFER_TTL/) });
    }
    expect((await bob.client.call('file/ack', { transfer_id: offered.transfer_id })).state).toBe('cancelled');
  });
});
