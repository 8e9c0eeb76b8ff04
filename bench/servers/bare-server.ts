/**
 * Baseline (a): the least a newline-JSON server can do with Node's `net`: split lines, one
 * JSON.parse and one JSON.stringify per frame, answer a ping. No framework, no validation.
 */
import * as net from 'node:net';

const port = Number(process.env.PORT ?? 0);
const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let rest = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    const text = rest + chunk;
    let start = 0;
    let out = '';
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const frame = JSON.parse(text.slice(start, nl)) as { id: string; command: string };
      start = nl + 1;
      const now = Date.now();
      out += JSON.stringify({
        id: frame.id,
        type: 'response',
        timestamp: Math.floor(now / 1000),
        command: frame.command,
        headers: { version: '1.0' },
        payload: { status: 200, server_time: Math.floor(now / 1000), server_time_ms: now },
      }) + '\n';
    }
    rest = text.slice(start);
    if (out) socket.write(out);
  });
  socket.on('error', () => undefined);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`LISTENING ${(server.address() as net.AddressInfo).port}`);
});
process.on('SIGTERM', () => process.exit(0));
