/**
 * LocalFileStorage on a real temporary directory: downloads read the disk in ~1 MiB blocks but
 * must still hand out exactly chunk-sized pieces (encrypted frames are indexed by offset /
 * chunk size), and an upload's appends of several pieces land in order and survive a resume.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalFileStorage } from '../../../src/modules/file/storage/local-file-storage';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const chunk of source) out.push(Buffer.from(chunk));
  return out;
}

describe('LocalFileStorage', () => {
  let root: string;
  let storage: LocalFileStorage;

  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-storage-'));
    storage = new LocalFileStorage(root);
    await storage.init();
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  async function store(content: Buffer): Promise<string> {
    const writer = await storage.openPartial('tr-0123456789abcdef', 0);
    await writer.append([content]);
    await writer.sync();
    await writer.close();
    await storage.commit('tr-0123456789abcdef', sha256(content));
    return sha256(content);
  }

  it.each([
    ['256 KiB chunks (4 per block)', 256 * 1024],
    ['a chunk size that does not divide 1 MiB', 300_000],
    ['a chunk larger than the block', 1536 * 1024],
  ])('readBlob yields exactly chunk-sized pieces, the last shorter, from any start: %s', async (_name, chunk) => {
    const content = randomBytes(2 * 1024 * 1024 + 3 * chunk + 17);
    const hash = await store(content);
    for (const start of [0, chunk, 5 * chunk, content.length - 17, content.length]) {
      const pieces = await collect(storage.readBlob(hash, start, chunk));
      expect(Buffer.concat(pieces).equals(content.subarray(start))).toBe(true);
      expect(pieces.slice(0, -1).every((p) => p.length === chunk)).toBe(true);
      if (pieces.length > 0) expect(pieces.at(-1)!.length).toBeLessThanOrEqual(chunk);
    }
  });

  it('appends several pieces in order, and a resume cuts back to the durable offset', async () => {
    const content = randomBytes(100_000);
    const id = 'tr-00000000000000aa';
    const first = await storage.openPartial(id, 0);
    await first.append([content.subarray(0, 10), Buffer.alloc(0), content.subarray(10, 40_000), content.subarray(40_000, 60_000)]);
    await first.sync();
    // 10,000 bytes past the durable offset (50,000) were never acknowledged.
    await first.close();
    const resumed = await storage.openPartial(id, 50_000);
    await resumed.append([content.subarray(50_000, 70_000), content.subarray(70_000)]);
    await resumed.close();
    expect(Buffer.concat(await collect(storage.readPartial(id, content.length, 64 * 1024))).equals(content)).toBe(true);
  });
});
