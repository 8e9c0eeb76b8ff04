/**
 * HTTP(S) requests to the outside world for the push providers, with SSRF protection: the host
 * is resolved once, every address is checked (loopback, private, link-local, CGNAT, multicast
 * and unspecified ranges are refused unless PUSH_ALLOW_PRIVATE_URLS=on) and the connection goes
 * to the checked address (no second lookup a DNS rebinding could answer differently).
 * Responses are read up to a bound; nothing here logs a header or a body (they carry secrets).
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  // (IPv4-mapped ::ffff:a.b.c.d is checked as the IPv4 address it carries, below: a ::ffff:0:0/96
  // rule here would also match every plain IPv4 address in Node's BlockList.)
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) blocked.addSubnet(net, bits, 'ipv6');

export class UnsafeUrlError extends Error {}

/** True when `address` (an IP) is one a server must not call without explicit permission. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4mapped) return blocked.check(v4mapped[1], 'ipv4');
  return blocked.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** Checks the URL's scheme and resolves its host to an address allowed to call. */
export async function resolveSafe(url: URL, allowPrivate: boolean): Promise<{ address: string; family: number }> {
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) throw new UnsafeUrlError(`${url.protocol} URLs are refused (https only)`);
  if (url.username || url.password) throw new UnsafeUrlError('URLs with credentials are refused');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const found = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true, verbatim: true });
  if (found.length === 0) throw new UnsafeUrlError(`${host} does not resolve`);
  if (!allowPrivate) {
    const bad = found.find((a) => isPrivateAddress(a.address));
    if (bad) throw new UnsafeUrlError(`${host} resolves to a private or loopback address (${bad.address}); set PUSH_ALLOW_PRIVATE_URLS=on to allow it`);
  }
  return found[0];
}

/** A `lookup` for net/tls/http2 that answers the already checked address (both callback styles). */
export function pinnedLookup(target: { address: string; family: number }) {
  return (_host: string, options: unknown, cb: (...args: unknown[]) => void): void => {
    if ((options as { all?: boolean } | undefined)?.all) cb(null, [target]);
    else cb(null, target.address, target.family);
  };
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string | number>;
  body?: string | Buffer;
  timeoutMs: number;
  allowPrivate: boolean;
}

const MAX_RESPONSE = 64 * 1024;

export async function outboundRequest(req: HttpRequest): Promise<HttpResult> {
  const url = new URL(req.url);
  const target = await resolveSafe(url, req.allowPrivate);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<HttpResult>((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: req.method,
        headers: req.headers,
        // The checked address, whatever the resolver would answer now; TLS still verifies the host name.
        lookup: pinnedLookup(target) as unknown as http.RequestOptions['lookup'],
        timeout: req.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_RESPONSE) chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${req.timeoutMs} ms`)));
    request.on('error', reject);
    request.end(req.body);
  });
}

/** A Retry-After header (seconds or an HTTP date) in milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === '') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
