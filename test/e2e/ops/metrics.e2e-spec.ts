/**
 * GET /metrics after real traffic over TCP: the transport counters carry the right labels and
 * values, bytes and connections are sampled, process metrics (event-loop lag) are there, and the
 * business counters other modules increment are exposed.
 */
import { registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { sendText } from '../message/message-helpers';

/** Parses the Prometheus text format into `name{labels}` → value. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

describe('Prometheus metrics', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  async function scrape(): Promise<{
    text: string;
    samples: Map<string, number>;
    contentType: string | null;
  }> {
    const res = await fetch(`http://127.0.0.1:${app.httpPort}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    return { text, samples: parse(text), contentType: res.headers.get('content-type') };
  }

  it('counts frames, requests, latency, rejections, connections and bytes from real traffic', async () => {
    const a = await app.connect();
    const b = await app.connect();
    for (let i = 0; i < 3; i++) await a.request('control/ping');
    await b.request('control.ping'); // alias: counted under the normalized name
    const unknown = await b.request('no/such-thing');
    expect(unknown.payload.error_code).toBe('UNKNOWN_COMMAND');
    b.writeRaw('{not json}\n');
    await b.waitFor((f) => f.type === 'response' && f.payload.error_code === 'INVALID_JSON');

    const { samples, text, contentType } = await scrape();
    expect(contentType).toContain('text/plain');
    expect(samples.get('switchboard_open_connections')).toBe(2);
    expect(samples.get('switchboard_connections_total')).toBe(2);
    expect(samples.get('switchboard_frames_in_total{command="control/ping",type="request"}')).toBe(
      4,
    );
    expect(samples.get('switchboard_frames_in_total{command="unknown",type="request"}')).toBe(1);
    expect(samples.get('switchboard_requests_total{command="control/ping",status="200"}')).toBe(4);
    expect(
      samples.get(
        `switchboard_requests_total{command="unknown",status="${unknown.payload.status}"}`,
      ),
    ).toBe(1);
    expect(
      samples.get(
        'switchboard_frames_out_total{command="control/ping",type="response",status="200"}',
      ),
    ).toBe(4);
    expect(
      samples.get('switchboard_frames_out_total{command="none",type="response",status="400"}'),
    ).toBe(1);
    expect(samples.get('switchboard_frames_rejected_total{error_code="INVALID_JSON"}')).toBe(1);
    expect(samples.get('switchboard_frames_rejected_total{error_code="UNKNOWN_COMMAND"}')).toBe(1);
    expect(samples.get('switchboard_request_duration_seconds_count{command="control/ping"}')).toBe(
      4,
    );
    expect(
      samples.get('switchboard_request_duration_seconds_bucket{le="+Inf",command="control/ping"}'),
    ).toBe(4);
    // The sockets moved real bytes both ways (each ping frame is > 50 bytes).
    expect(samples.get('switchboard_bytes_in_total')).toBeGreaterThan(5 * 50);
    expect(samples.get('switchboard_bytes_out_total')).toBeGreaterThan(5 * 50);
    // Default process metrics, including event-loop lag.
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);

    // A closed connection leaves the gauge and keeps its bytes counted.
    const bytesBefore = samples.get('switchboard_bytes_out_total')!;
    await b.close();
    await a.request('control/ping');
    const after = await scrape();
    expect(after.samples.get('switchboard_open_connections')).toBe(1);
    expect(after.samples.get('switchboard_bytes_out_total')).toBeGreaterThan(bytesBefore);
  });

  it('counts messages persisted and pushed, and auth failures, from real messaging traffic', async () => {
    const alice = await registerAndLogin(app);
    const bob = await registerAndLogin(app);
    const before = (await scrape()).samples;
    const sent = await sendText(alice.client, bob.userId, 'metrics hello');
    expect(sent.status).toBe(200);
    await bob.client.waitFor('message/event');
    const wrong = await (
      await app.connect()
    ).request('auth/login', {
      username: alice.username,
      password: 'not-the-password',
      client_info: { device: 'metrics', version: '1.0.0' },
    });
    expect(wrong.payload.status).toBe(401);

    const { samples } = await scrape();
    const delta = (key: string) => (samples.get(key) ?? 0) - (before.get(key) ?? 0);
    expect(delta('switchboard_messages_persisted_total')).toBe(1);
    expect(delta('switchboard_messages_pushed_total{kind="live"}')).toBe(1);
    expect(
      delta(
        `switchboard_auth_failures_total{reason="${String(wrong.payload.error_code).toLowerCase()}"}`,
      ),
    ).toBe(1);
    expect(delta('switchboard_requests_total{command="message/send",status="200"}')).toBe(1);
    expect(
      delta('switchboard_frames_out_total{command="message/event",type="event",status="200"}'),
    ).toBeGreaterThanOrEqual(1);
  });

  it('keeps each app in its own registry', async () => {
    const other = await startTestApp();
    try {
      const res = await fetch(`http://127.0.0.1:${other.httpPort}/metrics`);
      const samples = parse(await res.text());
      expect(samples.get('switchboard_connections_total')).toBe(0);
      expect(samples.has('switchboard_requests_total{command="control/ping",status="200"}')).toBe(
        false,
      );
    } finally {
      await other.close();
    }
  });
});
