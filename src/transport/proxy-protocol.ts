/**
 * PROXY protocol (HAProxy's, v1 text and v2 binary) on the listening ports, opt-in
 * (PROXY_PROTOCOL): behind a TCP load balancer every connection comes from the balancer, and the
 * header it sends first carries the client's address. The reader takes that header off the
 * stream before anything else sees a byte, then gives the socket the client's address
 * (`remoteAddress`, `remotePort`, `remoteFamily`), so MAX_CONNECTIONS_PER_IP, the login limiter,
 * logs and every other reader of the address see the client, not the balancer.
 *
 * Bounded: the header must be complete within `timeoutMs` and within its maximum size (v1: 107
 * bytes, as the spec says; v2: V2_MAX_BYTES with TLVs), and must be well formed; otherwise the
 * connection is closed without a word (the peer is a balancer or a scanner, not a client that
 * could act on an error frame). With `trusted` set, only those addresses may connect at all: a
 * header from anyone else could claim any address.
 *
 * Spec: https://www.haproxy.org/download/2.6/doc/proxy-protocol.txt
 */
import type { Logger } from '@nestjs/common';
import * as net from 'node:net';

export type ProxyProtocolMode = 'off' | 'v1' | 'v2' | 'any';

export interface ProxyProtocolOptions {
  /** Which header versions are accepted; `off`: no header expected (direct clients). */
  mode: ProxyProtocolMode;
  /** Addresses / CIDRs allowed to connect and send headers; empty: any source. */
  trusted: string[];
  /** The header must be complete this long after the connection is accepted. */
  timeoutMs: number;
  /** Most connections waiting for their header at once (beyond: closed at once). */
  maxWaiting: number;
}

export interface ProxiedSource {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

export type ProxyParse =
  /** More bytes needed. */
  | { kind: 'incomplete' }
  | { kind: 'invalid'; reason: string }
  /** `length` bytes of header; `source` undefined: keep the socket's own address (LOCAL, UNKNOWN, UNSPEC, unix). */
  | { kind: 'header'; version: 1 | 2; length: number; source?: ProxiedSource };

export const V1_MAX_BYTES = 107;
/** v2 headers larger than this (16-byte fixed part + addresses + TLVs) are refused. */
export const V2_MAX_BYTES = 2048;
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const PORT = /^(0|[1-9][0-9]{0,4})$/;

/** Parses the header at the start of `buf` (which may hold more: the client's first bytes). */
export function parseProxyHeader(buf: Buffer, mode: Exclude<ProxyProtocolMode, 'off'>): ProxyParse {
  if (buf.length === 0) return { kind: 'incomplete' };
  if (mode !== 'v1' && buf[0] === V2_SIGNATURE[0]) return parseV2(buf);
  if (mode !== 'v2' && buf[0] === V1_PREFIX[0]) return parseV1(buf);
  return { kind: 'invalid', reason: `no PROXY protocol ${mode === 'any' ? 'v1 or v2' : mode} header` };
}

function startsWithPrefix(buf: Buffer, prefix: Buffer): boolean {
  const n = Math.min(buf.length, prefix.length);
  return buf.subarray(0, n).equals(prefix.subarray(0, n));
}

function parseV1(buf: Buffer): ProxyParse {
  if (!startsWithPrefix(buf, V1_PREFIX)) return { kind: 'invalid', reason: 'bad v1 signature' };
  const end = buf.subarray(0, V1_MAX_BYTES).indexOf('\r\n');
  if (end < 0) return buf.length >= V1_MAX_BYTES ? { kind: 'invalid', reason: `v1 header longer than ${V1_MAX_BYTES} bytes` } : { kind: 'incomplete' };
  const length = end + 2;
  const parts = buf.toString('latin1', 0, end).split(' ');
  if (parts[1] === 'UNKNOWN') return { kind: 'header', version: 1, length };
  if (parts.length !== 6 || (parts[1] !== 'TCP4' && parts[1] !== 'TCP6')) return { kind: 'invalid', reason: 'malformed v1 header' };
  const [, proto, src, dst, sport, dport] = parts;
  const family = proto === 'TCP4' ? 4 : 6;
  if (net.isIP(src) !== family || net.isIP(dst) !== family) return { kind: 'invalid', reason: `v1 addresses are not ${proto} addresses` };
  if (!PORT.test(sport) || !PORT.test(dport) || Number(sport) > 65535 || Number(dport) > 65535) return { kind: 'invalid', reason: 'bad v1 port' };
  return { kind: 'header', version: 1, length, source: { address: src, port: Number(sport), family: family === 4 ? 'IPv4' : 'IPv6' } };
}

function parseV2(buf: Buffer): ProxyParse {
  if (!startsWithPrefix(buf, V2_SIGNATURE)) return { kind: 'invalid', reason: 'bad v2 signature' };
  if (buf.length < 16) return { kind: 'incomplete' };
  if (buf[12] >> 4 !== 2) return { kind: 'invalid', reason: `unsupported v2 version ${buf[12] >> 4}` };
  const command = buf[12] & 0x0f;
  if (command > 1) return { kind: 'invalid', reason: `unknown v2 command ${command}` };
  const family = buf[13] >> 4;
  const transport = buf[13] & 0x0f;
  const length = 16 + buf.readUInt16BE(14);
  if (length > V2_MAX_BYTES) return { kind: 'invalid', reason: `v2 header of ${length} bytes exceeds ${V2_MAX_BYTES}` };
  if (buf.length < length) return { kind: 'incomplete' };
  // LOCAL: the balancer's own connection (e.g. a health check): its address is the right one.
  if (command === 0) return { kind: 'header', version: 2, length };
  if (family > 3 || transport > 2) return { kind: 'invalid', reason: 'unknown v2 address family or transport' };
  if (transport === 2) return { kind: 'invalid', reason: 'v2 datagram header on a stream connection' };
  const needed = [0, 12, 36, 216][family];
  if (length - 16 < needed) return { kind: 'invalid', reason: 'v2 address block shorter than its family needs' };
  if (family === 1 && transport === 1) {
    const address = `${buf[16]}.${buf[17]}.${buf[18]}.${buf[19]}`;
    return { kind: 'header', version: 2, length, source: { address, port: buf.readUInt16BE(24), family: 'IPv4' } };
  }
  if (family === 2 && transport === 1) {
    return { kind: 'header', version: 2, length, source: { address: ipv6Text(buf.subarray(16, 32)), port: buf.readUInt16BE(48), family: 'IPv6' } };
  }
  // UNSPEC, unix sockets: nothing usable as a client address.
  return { kind: 'header', version: 2, length };
}

/** RFC 5952 text of 16 address bytes (longest run of zero groups compressed), like Node prints. */
export function ipv6Text(bytes: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** A socket address as net.BlockList checks it (IPv4-mapped IPv6 counts as the IPv4 address). */
function plainAddress(address: string): [string, 'ipv4' | 'ipv6'] {
  if (address.startsWith('::ffff:') && net.isIPv4(address.slice(7))) return [address.slice(7), 'ipv4'];
  return [address, net.isIPv4(address) ? 'ipv4' : 'ipv6'];
}

/** PROXY_PROTOCOL_TRUSTED entries (`10.0.0.5`, `10.0.0.0/8`, `fd00::/8`); throws on a bad one. */
export function trustedSources(entries: string[]): net.BlockList {
  const list = new net.BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const family = net.isIP(address);
    if (family === 0) throw new Error(`"${entry}" is not an IP address or CIDR`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else if (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128)) list.addSubnet(address, Number(prefix), type);
    else throw new Error(`"${entry}" has a bad prefix length`);
  }
  return list;
}

/**
 * Gives `socket` the client's address from a parsed header. An own property shadows net.Socket's
 * getters, so every reader of the address sees the client without knowing about the protocol.
 */
export function setProxiedSource(socket: net.Socket, source: ProxiedSource): void {
  Object.defineProperty(socket, 'remoteAddress', { value: source.address, configurable: true });
  Object.defineProperty(socket, 'remotePort', { value: source.port, configurable: true });
  Object.defineProperty(socket, 'remoteFamily', { value: source.family, configurable: true });
  (socket as ProxiedSocket)[PROXIED] = source;
}

const PROXIED = Symbol('proxiedSource');
type ProxiedSocket = net.Socket & { [PROXIED]?: ProxiedSource };

/**
 * A TLS socket made over a proxied TCP socket reads its address from the handle (the balancer's):
 * copy the client's address over from the TCP socket it wraps (Node keeps it as `_parent`).
 */
export function inheritProxiedSource(tlsSocket: net.Socket): void {
  const parent = (tlsSocket as net.Socket & { _parent?: ProxiedSocket })._parent;
  const source = parent?.[PROXIED];
  if (source) setProxiedSource(tlsSocket, source);
}

/**
 * The connection listener of a port with the PROXY protocol on: reads and strips the header, then
 * hands the socket on (paused, the bytes after the header put back) to `next`.
 */
export function proxyProtocolReader(options: ProxyProtocolOptions, logger: Logger, next: (socket: net.Socket) => void): (raw: net.Socket) => void {
  const mode = options.mode === 'off' ? 'any' : options.mode;
  const trusted = options.trusted.length > 0 ? trustedSources(options.trusted) : undefined;
  // Anyone can open connections that fail here: one warning per 10 s says so without a log flood.
  let lastWarn = 0;
  let unlogged = 0;
  const refuse = (raw: net.Socket, message: string) => {
    const now = Date.now();
    if (now - lastWarn >= 10_000) {
      logger.warn(`${message} (PROXY_PROTOCOL=${options.mode})${unlogged > 0 ? `; ${unlogged} more refused since the last warning` : ''}`);
      lastWarn = now;
      unlogged = 0;
    } else unlogged++;
    raw.destroy();
  };
  // Connections still waiting for their header are not Connections yet (MAX_CONNECTIONS does not
  // see them): their own bound, so header-less sockets cannot pile up for the whole timeout.
  let waiting = 0;
  return (raw) => {
    const peer = raw.remoteAddress ?? 'unknown';
    if (trusted && !trusted.check(...plainAddress(peer))) return refuse(raw, `refused a connection from ${peer}: not in PROXY_PROTOCOL_TRUSTED`);
    if (waiting >= options.maxWaiting) return refuse(raw, `refused a connection from ${peer}: ${waiting} connections are already waiting for their PROXY protocol header`);
    waiting++;
    let buffered: Buffer = Buffer.alloc(0);
    const fail = (reason: string) => {
      cleanup();
      refuse(raw, `closed a connection from ${peer}: ${reason}`);
    };
    const timer = setTimeout(() => fail(`no complete PROXY protocol header within ${options.timeoutMs} ms`), options.timeoutMs);
    timer.unref();
    const onData = (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      const parsed = parseProxyHeader(buffered, mode);
      if (parsed.kind === 'incomplete') return;
      if (parsed.kind === 'invalid') return fail(parsed.reason);
      cleanup();
      raw.pause();
      if (buffered.length > parsed.length) raw.unshift(buffered.subarray(parsed.length));
      if (parsed.source) setProxiedSource(raw, parsed.source);
      next(raw);
    };
    const onEnd = () => fail('connection ended before its PROXY protocol header');
    let done = false;
    const cleanup = () => {
      if (done) return;
      done = true;
      waiting--;
      clearTimeout(timer);
      raw.off('data', onData);
      raw.off('end', onEnd);
    };
    raw.on('data', onData);
    raw.once('end', onEnd);
    // A reset while waiting: the socket closes by itself; nothing to answer.
    raw.on('error', () => cleanup());
    raw.once('close', cleanup);
  };
}
