/**
 * File transfer with TLS_CERT/TLS_KEY: the data channel speaks TLS with the control port's
 * certificate, the answers say `protocol: "tls"`, the SDK uploads and downloads through it
 * (verifying the server with the CA it was given for the control connection) and resumes over it
 * when a data connection is cut; a plaintext peer on the data port gets nothing.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import type * as tls from 'node:tls';
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { encodeTlv, TlvType } from '../../../src/shared/protocol';
import { generatePki, hasOpenssl, TestPki } from '../../support/security-helpers';
import { startTestApp, TestApp } from '../../support/test-app';
import { LoggedInUser, registerAndLogin } from '../../support/users';
import { dataChannel, randomContent, sha256, tempDir } from './file-helpers';

if (!hasOpenssl()) throw new Error('the TLS specs need the openssl CLI on PATH to generate test certificates');

const CHUNK = 64 * 1024;

describe('file transfer over TLS', () => {
  let pki: TestPki;
  let app: TestApp;
  let tlsOptions: tls.ConnectionOptions;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  const tmp = tempDir();

  /** A user whose control connection is TLS (the SDK reuses its TLS options for the data channel). */
  async function tlsUser(): Promise<LoggedInUser> {
    const client = await SwitchboardClient.connect({ port: app.transport.tlsPort!, tls: tlsOptions, timeoutMs: 20_000 });
    return registerAndLogin(app, { client });
  }

  beforeAll(async () => {
    pki = generatePki();
    tlsOptions = { ca: fs.readFileSync(pki.caCert), servername: 'localhost' };
    // A 4-chunk download window, so a cut data connection leaves most of a download to a resume.
    app = await startTestApp({
      TLS_CERT: pki.serverCert,
      TLS_KEY: pki.serverKey,
      TLS_PORT: '0',
      TLS_ALLOW_PLAINTEXT: 'true',
      FILE_CHUNK_SIZE: String(CHUNK),
      FILE_ACK_EVERY: '4',
      FILE_WINDOW_BYTES: String(4 * CHUNK),
    });
    [alice, bob] = [await tlsUser(), await tlsUser()];
  });
  afterAll(async () => {
    alice?.client.destroy();
    bob?.client.destroy();
    await app?.close();
    pki?.cleanup();
    tmp.cleanup();
  });

  it('uploads and downloads byte-identical through a TLS data channel; a plaintext peer gets nothing', async () => {
    expect(dataChannel(app).protocol).toBe('tls');
    const content = randomContent(3 * 1024 * 1024 + 123);
    const source = path.join(tmp.dir, 'tls-source.bin');
    fs.writeFileSync(source, content);
    const uploaded = await alice.client.upload(source, { type: 'user', id: bob.userId });
    expect(uploaded).toMatchObject({ size: content.length, hash: sha256(content), instant: false });

    const accept = await bob.client.call('file/request', { direction: 'download', file_id: uploaded.fileId });
    expect(accept).toMatchObject({ status: 200, endpoint: { protocol: 'tls', port: dataChannel(app).port } });
    await bob.client.call('file/cancel', { transfer_id: accept.transfer_id });

    const dest = path.join(tmp.dir, 'tls-copy.bin');
    const downloaded = await bob.client.download(uploaded.fileId, dest);
    expect(downloaded.hash).toBe(sha256(content));
    expect(fs.readFileSync(dest).equals(content)).toBe(true);

    // A plaintext OPEN is not a TLS ClientHello: the handshake fails, the socket closes, no ACK.
    const plain = net.connect({ port: dataChannel(app).port, host: '127.0.0.1' });
    plain.on('error', () => undefined);
    const received: Buffer[] = [];
    plain.on('data', (c: Buffer) => received.push(c));
    plain.write(encodeTlv(TlvType.OPEN, JSON.stringify({ transfer_id: accept.transfer_id, token: bob.token })));
    await new Promise((resolve) => plain.once('close', resolve));
    expect(Buffer.concat(received).includes(Buffer.from('"offset"'))).toBe(false);
  });

  it('resumes an upload and a download over TLS after their data connections are cut', async () => {
    const content = randomContent(40 * CHUNK + 7);
    let cutUpload = 0;
    const uploaded = await alice.client.upload(content, { type: 'user', id: bob.userId }, {
      fileName: 'tls-resume.bin',
      onProgress: (p) => {
        if (cutUpload === 0 && p.bytes >= 12 * CHUNK) {
          cutUpload++;
          for (const conn of dataChannel(app).connections) conn.destroy();
        }
      },
    });
    expect(cutUpload).toBe(1);
    expect(uploaded.hash).toBe(sha256(content));

    let cutDownload = 0;
    const destroyed = new Set<unknown>();
    let resumedOnNewConnection = false;
    const pieces: Buffer[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, cb) => (pieces.push(c), cb()) });
    await bob.client.download(uploaded.fileId, sink, {
      onProgress: (p) => {
        if (cutDownload === 0 && p.bytes >= 20 * CHUNK) {
          cutDownload++;
          for (const conn of dataChannel(app).connections) {
            destroyed.add(conn);
            conn.destroy();
          }
        } else if (cutDownload > 0 && [...dataChannel(app).connections].some((c) => !destroyed.has(c))) {
          resumedOnNewConnection = true;
        }
      },
    });
    expect(cutDownload).toBe(1);
    expect(resumedOnNewConnection).toBe(true);
    expect(Buffer.concat(pieces).equals(content)).toBe(true);
  });
});
