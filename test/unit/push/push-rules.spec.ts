/**
 * Who is notified (levels, mute, mentions, direct), quiet hours in a time zone (ranges crossing
 * midnight, DST zones), the SSRF address rules, Retry-After parsing and the push configuration's
 * refusals (secrets never echoed).
 */
import { pushConfig } from '../../../src/modules/push/push.config';
import { isPrivateAddress, retryAfterMs } from '../../../src/modules/push/providers/outbound-http';
import { inQuietHours, isTimeZone, localMinutes, wantsPush } from '../../../src/modules/push/push-rules';

describe('push rules', () => {
  it('levels, mute and mentions', () => {
    const plain = { direct: false, mention: false, muted: false };
    expect(wantsPush(undefined, plain)).toBe(true);
    expect(wantsPush('all', plain)).toBe(true);
    expect(wantsPush('mentions', plain)).toBe(false);
    expect(wantsPush('mentions', { ...plain, direct: true })).toBe(true);
    expect(wantsPush('mentions', { ...plain, mention: true })).toBe(true);
    expect(wantsPush('none', { direct: true, mention: true, muted: false })).toBe(false);
    expect(wantsPush('all', { ...plain, muted: true })).toBe(false);
    expect(wantsPush('all', { direct: true, mention: false, muted: true })).toBe(false);
    expect(wantsPush('all', { ...plain, muted: true, mention: true })).toBe(true);
    expect(wantsPush('mentions', { ...plain, muted: true, mention: true })).toBe(true);
  });

  it('quiet hours in the user\'s time zone, also across midnight', () => {
    // 2026-07-01 21:30 UTC = 23:30 in Paris (CEST), 17:30 in New York (EDT).
    const t = Date.UTC(2026, 6, 1, 21, 30);
    expect(localMinutes(t, 'Europe/Paris')).toBe(23 * 60 + 30);
    expect(localMinutes(t, 'America/New_York')).toBe(17 * 60 + 30);
    const night = { start: 22 * 60, end: 7 * 60 };
    expect(inQuietHours(t, { ...night, timeZone: 'Europe/Paris' })).toBe(true);
    expect(inQuietHours(t, { ...night, timeZone: 'America/New_York' })).toBe(false);
    expect(inQuietHours(Date.UTC(2026, 6, 2, 4, 59), { ...night, timeZone: 'Europe/Paris' })).toBe(true); // 06:59
    expect(inQuietHours(Date.UTC(2026, 6, 2, 5, 0), { ...night, timeZone: 'Europe/Paris' })).toBe(false); // 07:00
    expect(inQuietHours(t, { start: 12 * 60, end: 18 * 60, timeZone: 'America/New_York' })).toBe(true);
    expect(inQuietHours(t, { start: null, end: null, timeZone: null })).toBe(false);
    // Winter: Paris is UTC+1.
    expect(localMinutes(Date.UTC(2026, 0, 15, 21, 30), 'Europe/Paris')).toBe(22 * 60 + 30);
    expect(isTimeZone('Asia/Tokyo')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });

  it('refuses loopback, private, link-local, CGNAT, multicast and unspecified addresses', () => {
    for (const a of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fc00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.1.1.1', 'not-an-ip']) {
      expect([a, isPrivateAddress(a)]).toEqual([a, true]);
    }
    for (const a of ['8.8.8.8', '172.32.0.1', '142.250.74.10', '2a00:1450:4007:80e::200a', '::ffff:8.8.8.8']) {
      expect([a, isPrivateAddress(a)]).toEqual([a, false]);
    }
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('120')).toBe(120_000);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
  });

  it('configuration: a gateway needs a long secret, credentials come in complete sets; secrets are never echoed', () => {
    expect(pushConfig.parse({}).webhook).toBeUndefined();
    expect(() => pushConfig.parse({ PUSH_WEBHOOK_URL: 'https://gw.example.com/notify', PUSH_WEBHOOK_SECRET: 'short-secret' })).toThrow(/PUSH_WEBHOOK_SECRET=\(hidden\): must be at least 32 bytes/);
    try {
      pushConfig.parse({ PUSH_WEBHOOK_URL: 'https://gw.example.com/notify', PUSH_WEBHOOK_SECRET: 'short-secret' });
    } catch (err) {
      expect((err as Error).message).not.toContain('short-secret');
    }
    expect(() => pushConfig.parse({ PUSH_VAPID_PUBLIC_KEY: 'x' })).toThrow(/go together/);
    expect(() => pushConfig.parse({ PUSH_APNS_KEY_FILE: '/k.p8', PUSH_APNS_KEY_ID: 'K' })).toThrow(/go together/);
    expect(() => pushConfig.parse({ PUSH_PREVIEW: 'everything' })).toThrow(/PUSH_PREVIEW/);
    expect(pushConfig.parse({ PUSH_PREVIEW: 'none', PUSH_COALESCE_MS: '0' })).toMatchObject({ preview: 'none', coalesceMs: 0, allowPrivateUrls: false });
  });
});
