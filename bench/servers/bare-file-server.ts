/**
 * The floor for the file bench: a bare Node `net` loopback stream with sha256, no protocol.
 * A connection starts with one text line:
 *   `U <bytes>\n` then the bytes: hashed and appended to a temp file, fsynced at the end, answered
 *                 `<sha256 hex>\n` (what a storing server must do at least);
 *   `D <path>\n`  the file is streamed back raw (the client hashes it).
 * Prints "bare file server listening: <port>".
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const server = net.createServer((socket) => {
  let header = '';
  const onData = (chunk: Buffer) => void onHeader(chunk);
  const onHeader = async (chunk: Buffer) => {
    const nl = chunk.indexOf(0x0a);
    if (nl === -1) {
      header += chunk.toString('latin1');
      return;
    }
    header += chunk.toString('latin1', 0, nl);
    socket.off('data', onData);
    socket.pause();
    const [mode, arg] = header.split(' ');
    const rest = chunk.subarray(nl + 1);
    if (mode === 'D') {
      createReadStream(arg, { highWaterMark: 256 * 1024 }).pipe(socket);
      return;
    }
    const size = Number(arg);
    const file = path.join(os.tmpdir(), `bare-file-${process.pid}-${Date.now()}`);
    const handle = await fs.open(file, 'w');
    const hash = createHash('sha256');
    let received = 0;
    const take = async (data: Buffer) => {
      hash.update(data);
      received += data.length;
      await handle.write(data);
    };
    if (rest.length > 0) await take(rest);
    socket.on('data', (data: Buffer) => {
      socket.pause();
      void take(data).then(async () => {
        if (received < size) return void socket.resume();
        await handle.datasync();
        await handle.close();
        await fs.rm(file, { force: true });
        socket.end(`${hash.digest('hex')}\n`);
      });
    });
    socket.resume();
  };
  socket.on('data', onData);
  socket.on('error', () => undefined);
});
server.listen(0, '127.0.0.1', () => console.log(`bare file server listening: ${(server.address() as net.AddressInfo).port}`));
