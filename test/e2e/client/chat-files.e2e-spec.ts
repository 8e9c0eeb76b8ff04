/**
 * The chat CLI's /send-file and /get (in-process ChatSession over real TCP on both channels):
 * alice sends a file, bob sees the file-ref message and downloads it with a progress bar.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { chatUser } from '../../support/chat-helpers';
import { startTestApp, TestApp } from '../../support/test-app';

describe('chat CLI: /send-file and /get', () => {
  let app: TestApp;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-cli-files-'));
  beforeAll(async () => {
    app = await startTestApp({ FILE_CHUNK_SIZE: '65536' });
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('uploads with progress, the recipient gets the file id and downloads it byte-identical', async () => {
    const alice = await chatUser(app);
    const bob = await chatUser(app);
    const content = randomBytes(1024 * 1024 + 7);
    const source = path.join(dir, 'holiday photo.jpg');
    fs.writeFileSync(source, content);

    await alice.session.execute(`/send-file ${bob.userId} ${source}`);
    const done = await alice.out.waitFor(
      /^✓ uploaded holiday photo\.jpg \(1\.0 MiB\) as (f-\S+); sent to /,
    );
    const fileId = /as (f-\S+);/.exec(done)![1];
    // Progress printed at 25 % steps without a terminal, ending at 100 %.
    expect(alice.out.lines).toContainEqual(
      expect.stringMatching(/^\[#{24}\] 100% 1\.0 MiB\/1\.0 MiB holiday photo\.jpg$/),
    );
    await bob.out.waitFor(new RegExp(fileId));

    const dest = path.join(dir, 'copy.jpg');
    await bob.session.execute(`/get ${fileId} ${dest}`);
    await bob.out.waitFor(
      new RegExp(
        `^✓ downloaded ${fileId} to ${dest.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(1\\.0 MiB, sha256 `,
      ),
    );
    expect(fs.readFileSync(dest).equals(content)).toBe(true);

    await bob.session.execute('/get f-000000000000000000000000 /tmp/nope');
    await bob.out.waitFor(/^! \/get failed: 403 FORBIDDEN: /);
    await alice.session.execute(`/send-file ${bob.userId} ${path.join(dir, 'missing.bin')}`);
    await alice.out.waitFor(/^! \/send-file failed: ENOENT/);
  });

  it('/send-direct offers a file client to client; /receive takes it, byte-identical, with no server copy', async () => {
    const alice = await chatUser(app);
    const bob = await chatUser(app);
    const content = randomBytes(256 * 1024 + 3);
    const source = path.join(dir, 'direct.bin');
    fs.writeFileSync(source, content);
    // Runs until bob has taken it (the line queue of a terminal would wait the same way).
    const sending = alice.session.execute(`/send-direct ${bob.username} ${source}`);
    const offer = await bob.out.waitFor(
      new RegExp(
        `^\\* ${alice.username} offers direct\\.bin \\(262147 bytes\\) directly — /receive (td-\\S+) within \\d+ s`,
      ),
    );
    const transferId = /\/receive (td-\S+)/.exec(offer)![1];
    const dest = path.join(dir, 'direct-copy.bin');
    await bob.session.execute(`/receive ${transferId} ${dest}`);
    await bob.out.waitFor(/^✓ received .*direct-copy\.bin directly \(262147 bytes, sha256 /);
    await sending;
    await alice.out.waitFor(
      new RegExp(
        `^✓ sent direct\\.bin directly to ${bob.username} \\(262147 bytes; the server kept no copy\\)$`,
      ),
    );
    expect(fs.readFileSync(dest).equals(content)).toBe(true);
    await bob.session.execute('/receive td-nope');
    await bob.out.waitFor(/^! no direct offer td-nope /);
  });
});
