/**
 * The PROXY protocol header parser (v1 text, v2 binary): examples from the spec, every way a
 * header can be malformed, and properties over generated headers: any header round-trips, any
 * strict prefix of one asks for more bytes (never refused, never accepted early), trailing client
 * bytes are left alone, and arbitrary input never throws nor claims more bytes than it has.
 */
import fc from 'fast-check';
import * as net from 'node:net';
import { transportConfig } from '../../../src/config/transport.config';
import { ipv6Text, parseProxyHeader, trustedSources, V1_MAX_BYTES, V2_MAX_BYTES } from '../../../src/transport/proxy-protocol';

const SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

function v2(opts: { command?: number; family?: number; transport?: number; version?: number; body: Buffer }): Buffer {
  const fixed = Buffer.alloc(16);
  SIG.copy(fixed);
  fixed[12] = ((opts.version ?? 2) << 4) | (opts.command ?? 1);
  fixed[13] = ((opts.family ?? 1) << 4) | (opts.transport ?? 1);
  fixed.writeUInt16BE(opts.body.length, 14);
  return Buffer.concat([fixed, opts.body]);
}

function inet4(src: number[], sport: number, tlvs = Buffer.alloc(0)): Buffer {
  const body = Buffer.alloc(12);
  Buffer.from(src).copy(body, 0);
  Buffer.from([10, 0, 0, 1]).copy(body, 4);
  body.writeUInt16BE(sport, 8);
  body.writeUInt16BE(9400, 10);
  return Buffer.concat([body, tlvs]);
}

function inet6(src: Buffer, sport: number): Buffer {
  const body = Buffer.alloc(36);
  src.copy(body, 0);
  body.writeUInt16BE(sport, 32);
  body.writeUInt16BE(9400, 34);
  return body;
}

/** The canonical text of an IPv6 address, as the WHATWG URL parser writes it. */
const canonical6 = (address: string) => new URL(`http://[${address}]/`).hostname;
const fullHex6 = (bytes: Buffer) => Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16)).join(':');

describe('parseProxyHeader: v1', () => {
  it('reads TCP4 and TCP6 headers and leaves the bytes after them', () => {
    const line = 'PROXY TCP4 203.0.113.7 10.0.0.1 56324 9400\r\n';
    expect(parseProxyHeader(Buffer.from(`${line}{"id":"1"}\n`), 'v1')).toEqual({
      kind: 'header',
      version: 1,
      length: line.length,
      source: { address: '203.0.113.7', port: 56324, family: 'IPv4' },
    });
    expect(parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::7 2001:db8::1 1 65535\r\n'), 'any')).toMatchObject({ source: { address: '2001:db8::7', port: 1, family: 'IPv6' } });
  });

  it('keeps the socket address for UNKNOWN (the balancer cannot tell)', () => {
    expect(parseProxyHeader(Buffer.from('PROXY UNKNOWN whatever follows\r\n'), 'v1')).toEqual({ kind: 'header', version: 1, length: 32 });
  });

  it.each([
    ['PROXY TCP4 203.0.113.7 10.0.0.1 56324\r\n', /malformed/],
    ['PROXY TCP5 203.0.113.7 10.0.0.1 1 2\r\n', /malformed/],
    ['PROXY TCP4 2001:db8::7 10.0.0.1 1 2\r\n', /not TCP4/],
    ['PROXY TCP6 203.0.113.7 2001:db8::1 1 2\r\n', /not TCP6/],
    ['PROXY TCP4 203.0.113.7 10.0.0.1 65536 2\r\n', /port/],
    ['PROXY TCP4 203.0.113.7 10.0.0.1 080 2\r\n', /port/],
    ['PROXY TCP4 203.0.113.7  10.0.0.1 1 2\r\n', /malformed/],
    ['PROXY  TCP4 203.0.113.7 10.0.0.1 1 2\r\n', /malformed/],
    ['PROXX TCP4', /signature/],
    ['GET / HTTP/1.1\r\n', /no PROXY protocol v1 header/],
    [`PROXY UNKNOWN ${'x'.repeat(V1_MAX_BYTES)}\r\n`, /longer than 107/],
  ])('refuses %j', (text, reason) => {
    expect(parseProxyHeader(Buffer.from(text), 'v1')).toEqual({ kind: 'invalid', reason: expect.stringMatching(reason) });
  });

  it('refuses v1 when only v2 is configured, and v2 when only v1 is', () => {
    expect(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'), 'v2').kind).toBe('invalid');
    expect(parseProxyHeader(v2({ body: inet4([1, 2, 3, 4], 5) }), 'v1').kind).toBe('invalid');
  });
});

describe('parseProxyHeader: v2', () => {
  it('reads IPv4 and IPv6 sources, skipping TLVs', () => {
    const tlvs = Buffer.from([0x04, 0x00, 0x03, 1, 2, 3]); // PP2_TYPE_NOOP with 3 bytes
    const header = v2({ body: inet4([198, 51, 100, 9], 40000, tlvs) });
    expect(parseProxyHeader(Buffer.concat([header, Buffer.from('{}\n')]), 'v2')).toEqual({
      kind: 'header',
      version: 2,
      length: header.length,
      source: { address: '198.51.100.9', port: 40000, family: 'IPv4' },
    });
    const src = Buffer.from('20010db8000000000000000000000007', 'hex');
    expect(parseProxyHeader(v2({ family: 2, body: inet6(src, 443) }), 'any')).toMatchObject({ source: { address: '2001:db8::7', port: 443, family: 'IPv6' } });
  });

  it('keeps the socket address for LOCAL (the balancer itself), UNSPEC and unix sources', () => {
    expect(parseProxyHeader(v2({ command: 0, family: 0, transport: 0, body: Buffer.alloc(0) }), 'v2')).toEqual({ kind: 'header', version: 2, length: 16 });
    expect(parseProxyHeader(v2({ family: 0, transport: 0, body: Buffer.alloc(0) }), 'v2')).toEqual({ kind: 'header', version: 2, length: 16 });
    expect(parseProxyHeader(v2({ family: 3, body: Buffer.alloc(216) }), 'v2')).toEqual({ kind: 'header', version: 2, length: 232 });
  });

  it.each([
    ['version 1 in a v2 frame', v2({ version: 1, body: inet4([1, 2, 3, 4], 5) }), /version/],
    ['command 2', v2({ command: 2, body: inet4([1, 2, 3, 4], 5) }), /command/],
    ['datagram transport', v2({ transport: 2, body: inet4([1, 2, 3, 4], 5) }), /datagram/],
    ['family 4', v2({ family: 4, body: inet4([1, 2, 3, 4], 5) }), /family/],
    ['IPv6 family with an IPv4-sized block', v2({ family: 2, body: inet4([1, 2, 3, 4], 5) }), /shorter/],
    ['a corrupted signature', Buffer.concat([Buffer.from([0x0d, 0x0a, 0x0d, 0x0b]), Buffer.alloc(30)]), /signature/],
    ['a length beyond the bound', v2({ body: Buffer.alloc(V2_MAX_BYTES) }), /exceeds/],
  ])('refuses %s', (_name, buf, reason) => {
    expect(parseProxyHeader(buf, 'v2')).toEqual({ kind: 'invalid', reason: expect.stringMatching(reason) });
  });

  it('refuses an oversized header from its length field, before the bytes arrive', () => {
    expect(parseProxyHeader(v2({ body: Buffer.alloc(V2_MAX_BYTES) }).subarray(0, 16), 'v2').kind).toBe('invalid');
  });
});

describe('parseProxyHeader: properties', () => {
  const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
  const port = fc.nat(65535);
  const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a));
  /** A valid header of any kind, with the source it must yield (undefined: keep the socket's). */
  const header = fc.oneof(
    fc.tuple(ipv4, port).map(([a, p]) => ({ buf: Buffer.from(`PROXY TCP4 ${a.join('.')} 10.0.0.1 ${p} 9400\r\n`), address: a.join('.'), port: p })),
    fc.tuple(bytes16, port).map(([b, p]) => ({ buf: Buffer.from(`PROXY TCP6 ${fullHex6(b)} ::1 ${p} 9400\r\n`), address: canonical6(fullHex6(b)), port: p })),
    fc.tuple(ipv4, port, fc.uint8Array({ maxLength: 200 })).map(([a, p, tlv]) => ({ buf: v2({ body: inet4(a, p, Buffer.from(tlv)) }), address: a.join('.'), port: p })),
    fc.tuple(bytes16, port).map(([b, p]) => ({ buf: v2({ family: 2, body: inet6(b, p) }), address: canonical6(fullHex6(b)), port: p })),
    fc.constant({ buf: v2({ command: 0, family: 0, transport: 0, body: Buffer.alloc(0) }), address: undefined, port: undefined }),
  );

  it('round-trips every header, whatever client bytes follow it', () => {
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 64 }), ({ buf, address, port }, tail) => {
        const parsed = parseProxyHeader(Buffer.concat([buf, Buffer.from(tail)]), 'any');
        expect(parsed).toMatchObject({ kind: 'header', length: buf.length });
        if (parsed.kind !== 'header') return;
        if (address === undefined) return expect(parsed.source).toBeUndefined();
        // IPv6 text may differ in form (mapped addresses are written dotted), never in value.
        const got = parsed.source!.family === 'IPv6' ? canonical6(parsed.source!.address) : parsed.source!.address;
        expect([got, parsed.source!.port]).toEqual([address, port]);
        expect(net.isIP(parsed.source!.address)).not.toBe(0);
      }),
    );
  });

  it('asks for more bytes on every strict prefix of a header', () => {
    fc.assert(
      fc.property(header, fc.nat(), ({ buf }, cut) => {
        expect(parseProxyHeader(buf.subarray(0, cut % buf.length), 'any')).toEqual({ kind: 'incomplete' });
      }),
    );
  });

  it('never throws on arbitrary bytes and never claims more bytes than it was given', () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      // Inputs that get past the first checks: a signature followed by noise.
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.concat([SIG, Buffer.from(a)])),
      fc.string({ maxLength: 120 }).map((s) => Buffer.from(`PROXY ${s}`)),
    );
    fc.assert(
      fc.property(input, fc.constantFrom('v1', 'v2', 'any') as fc.Arbitrary<'v1' | 'v2' | 'any'>, (buf, mode) => {
        const parsed = parseProxyHeader(buf, mode);
        if (parsed.kind === 'header') expect(parsed.length).toBeLessThanOrEqual(buf.length);
        if (parsed.kind === 'incomplete') expect(buf.length).toBeLessThan(V2_MAX_BYTES);
      }),
      { numRuns: 2000 },
    );
  });

  it('writes IPv6 addresses as Node does', () => {
    fc.assert(
      fc.property(bytes16, (b) => {
        const text = ipv6Text(b);
        expect(net.isIPv6(text)).toBe(true);
        expect(canonical6(text)).toBe(canonical6(fullHex6(b)));
      }),
    );
    expect(ipv6Text(Buffer.from('00000000000000000000ffffcb007107', 'hex'))).toBe('::ffff:203.0.113.7');
    expect(ipv6Text(Buffer.from('00000000000000000000000000000001', 'hex'))).toBe('::1');
    expect(ipv6Text(Buffer.from('20010db8000100000000000100000001', 'hex'))).toBe('2001:db8:1::1:0:1');
  });
});

describe('trustedSources', () => {
  it('matches addresses and CIDRs, and refuses anything else', () => {
    const list = trustedSources(['10.0.0.5', '10.1.0.0/16', 'fd00::/8']);
    expect(list.check('10.0.0.5', 'ipv4')).toBe(true);
    expect(list.check('10.1.200.3', 'ipv4')).toBe(true);
    expect(list.check('10.2.0.1', 'ipv4')).toBe(false);
    expect(list.check('fd12::1', 'ipv6')).toBe(true);
    expect(() => trustedSources(['10.0.0.0/33'])).toThrow(/prefix/);
    expect(() => trustedSources(['haproxy'])).toThrow(/not an IP/);
  });
});

describe('PROXY_PROTOCOL configuration', () => {
  it('is off by default and refuses a trusted entry that is not an address or CIDR, naming the variable', () => {
    expect(transportConfig.parse({}).proxyProtocol).toMatchObject({ mode: 'off', trusted: [], timeoutMs: 5000 });
    expect(transportConfig.parse({ PROXY_PROTOCOL: 'v2', PROXY_PROTOCOL_TRUSTED: ' 10.0.0.5, fd00::/8 ' }).proxyProtocol).toMatchObject({ mode: 'v2', trusted: ['10.0.0.5', 'fd00::/8'] });
    expect(() => transportConfig.parse({ PROXY_PROTOCOL_TRUSTED: 'haproxy' })).toThrow(/PROXY_PROTOCOL_TRUSTED="haproxy": "haproxy" is not an IP address or CIDR/);
    expect(() => transportConfig.parse({ PROXY_PROTOCOL_TRUSTED: '10.0.0.0/40' })).toThrow(/PROXY_PROTOCOL_TRUSTED/);
    expect(() => transportConfig.parse({ PROXY_PROTOCOL: 'v3' })).toThrow(/PROXY_PROTOCOL.*one of off, v1, v2, any/);
  });
});
