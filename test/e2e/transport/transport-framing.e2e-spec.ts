/**
 * The transport over real TCP and over WebSocket (the same cases, describe.each) against the real
 * app: framing (pipelined, split, coalesced), the draft's example frames, and every bad-input case
 * answered with the right protocol error while the connection survives.
 */
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import type { Envelope } from '../../../src/shared/protocol';
import { startTestApp, TestApp, TRANSPORT_KINDS } from '../../support/test-app';
import { NO_RATE_LIMIT, expectAlive, frameText, responseTo } from '../../support/transport-helpers';

describe.each(TRANSPORT_KINDS)('transport framing and envelope errors over %s', (kind) => {
  let app: TestApp;
  const connect = () => app.connect({ transport: kind });
  beforeAll(async () => {
    app = await startTestApp({ ...NO_RATE_LIMIT, WS_PORT: '0' });
  });
  afterAll(async () => {
    await app.close();
  });

  // Pipelining: 150 pings written back to back in one write are all answered, ids matched.
  it('answers 150 pipelined pings, each with its own id', async () => {
    const client = await connect();
    const ids = Array.from({ length: 150 }, (_, i) => `pipe-${i}`);
    const responses = await Promise.all(ids.map((id) => client.request('control/ping', {}, { id })));
    expect(responses.map((r) => r.id)).toEqual(ids);
    for (const r of responses) {
      expect(r).toMatchObject({ type: 'response', command: 'control/ping', payload: { status: 200 } });
    }
  });

  // Coalescing: many frames in a single TCP write (one chunk) are split into frames correctly.
  it('decodes many frames coalesced into one write', async () => {
    const client = await connect();
    const ids = Array.from({ length: 120 }, (_, i) => `co-${i}`);
    const waits = ids.map((id) => responseTo(client, id));
    client.writeRaw(ids.map((id) => frameText({ id, type: 'request', command: 'control/ping', payload: {} })).join(''));
    const responses = await Promise.all(waits);
    expect(responses.map((r) => r.payload.status)).toEqual(ids.map(() => 200));
  });

  // Splitting: frames (with multi-byte UTF-8 in the id) written one byte per write (TCP: a
  // WebSocket message is whole by definition).
  if (kind === 'tcp') it('reassembles frames split byte by byte, including multi-byte UTF-8', async () => {
    const client = await connect();
    const ids = ['split-é-1', 'split-中文-2', 'split-3'];
    const waits = ids.map((id) => responseTo(client, id));
    const bytes = Buffer.from(ids.map((id) => frameText({ id, type: 'request', command: 'control/ping' })).join(''));
    for (let i = 0; i < bytes.length; i++) client.writeRaw(bytes.subarray(i, i + 1));
    const responses = await Promise.all(waits);
    expect(responses.map((r) => r.id)).toEqual(ids);
    expect(client.garbage).toEqual([]);
  });

  // WebSocket: one text message is one frame, whatever whitespace (newlines) it holds, and never two.
  if (kind === 'websocket') {
    it('takes a pretty-printed message as one frame and two JSON texts in one message as one invalid frame', async () => {
      const client = await connect();
      const ws = (client.transport as unknown as { ws: { send(data: string): void } }).ws;
      const wait = responseTo(client, 'pretty-1');
      ws.send(JSON.stringify({ id: 'pretty-1', type: 'request', command: 'control/ping', payload: {} }, null, 2).replace(/\n/g, '\r\n'));
      expect((await wait).payload.status).toBe(200);
      const invalid = responseTo(client, 'two-1');
      ws.send('{"id":"two-1","command":"control/ping"}\n{"id":"two-2","command":"control/ping"}');
      expect((await invalid).payload).toMatchObject({ status: 400, error_code: 'INVALID_JSON' });
      await expectAlive(client);
      expect(client.events.filter((f) => f.id === 'two-2')).toEqual([]);
    });
  }

  // \r\n line endings and blank lines between frames are tolerated.
  it('accepts \\r\\n endings and skips blank lines', async () => {
    const client = await connect();
    const wait = responseTo(client, 'crlf-1');
    client.writeRaw('\r\n\n' + JSON.stringify({ id: 'crlf-1', type: 'request', command: 'control/ping' }) + '\r\n\n');
    expect((await wait).payload.status).toBe(200);
  });

  // Draft §2.2: the heartbeat event frame is parsed and dispatched (no INVALID_* answer).
  it("accepts the draft's presence/heartbeat event frame", async () => {
    const client = await connect();
    client.writeRaw('{"id":"hb-1730795200","type":"event","command":"presence/heartbeat","payload":{"seq":1024}}\n');
    // Events get no response; a following ping proves the frame was consumed without error.
    await expectAlive(client, 'after-hb');
    expect(client.events.filter((f) => f.id === 'hb-1730795200')).toEqual([]);
    expect(client.garbage).toEqual([]);
  });

  // Draft §2.1, §2.3, §2.4: the example request frames pass framing and envelope validation and
  // reach their handlers (which may answer 401 without a token, 400 for draft placeholders, ...).
  const draftRequests: [string, Record<string, unknown>][] = [
    ['auth/login', {
      id: '9fbb4e7e-73f6-4e71-9f44-70cdaeb71b0b', type: 'request', timestamp: 1730795173, command: 'auth/login',
      payload: { username: 'alice', password: 'hashed-password', client_info: { device: 'windows', version: 'cli-0.1.0' } },
    }],
    ['message/send', {
      id: 'msg-58123', type: 'request', command: 'message/send',
      payload: {
        conversation_id: 'room-001', target: { type: 'user', id: 'u-10002' }, content: { type: 'text', text: 'Hello world!' },
        attachments: [{ file_id: 'f-abc123', name: 'image.png', size: 2048 }], meta: { reply_to: 'msg-57111', priority: 'normal' },
      },
    }],
    ['file/request', {
      id: 'file-req-1', type: 'request', command: 'file/request',
      payload: {
        file_name: 'report.pdf', file_size: 5242880, hash: 'sha256:...', target: { type: 'user', id: 'u-10002' },
        resume: { transfer_id: 'tr-001', offset: 1048576 },
      },
    }],
  ];
  it.each(draftRequests)("accepts the draft's %s request frame (whatever the handler answers)", async (command, draft) => {
    const client = await connect();
    const wait = responseTo(client, draft.id as string);
    client.writeRaw(frameText(draft));
    const response = await wait;
    expect(response).toMatchObject({ id: draft.id, type: 'response', command });
    expect(['INVALID_JSON', 'INVALID_ENVELOPE']).not.toContain(response.payload.error_code);
    await expectAlive(client);
  });

  // Draft §1: the full skeleton with headers.version and headers.client is accepted.
  it("accepts the draft's envelope skeleton with headers", async () => {
    const client = await connect();
    const wait = responseTo(client, 'skel-1');
    client.writeRaw(frameText({
      id: 'skel-1', type: 'request', timestamp: 1730795173, command: 'control/ping',
      headers: { version: '1.0', client: 'cli-0.1.0' }, payload: {},
    }));
    const response = await wait;
    expect(response).toMatchObject({ payload: { status: 200 }, headers: { version: '1.0' } });
  });

  // Invalid JSON with a readable id: 400 INVALID_JSON echoing the id; the connection survives.
  it('answers invalid JSON with 400 INVALID_JSON, echoing a readable id, and stays open', async () => {
    const client = await connect();
    const wait = responseTo(client, 'bad-json-1');
    client.writeRaw('{"id":"bad-json-1","type":"request","command":"control/ping",\n');
    const response = await wait;
    expect(response.payload).toMatchObject({ status: 400, error_code: 'INVALID_JSON' });
    expect(response.payload.error_message).toMatch(/not valid JSON/);
    await expectAlive(client);
  });

  // Invalid JSON with no readable id: answered with an empty id.
  it('answers unreadable garbage with INVALID_JSON and an empty id, and stays open', async () => {
    const client = await connect();
    const wait = client.waitFor((f) => f.type === 'response' && f.payload.error_code === 'INVALID_JSON');
    client.writeRaw('\x00\x01 definitely not json \xff\n');
    const response = await wait;
    expect(response.id).toBe('');
    expect(response.payload.status).toBe(400);
    await expectAlive(client);
  });

  const envelopeCases: [name: string, frame: string, id: string, field: RegExp][] = [
    ['a JSON array (non-object)', '[1,2,3]', '', /JSON object/],
    ['a JSON string (non-object)', '"ping"', '', /JSON object/],
    ['a JSON null (non-object)', 'null', '', /JSON object/],
    ['a missing id', '{"type":"request","command":"control/ping"}', '', /"id"/],
    ['a numeric id', '{"id":42,"type":"request","command":"control/ping"}', '', /"id"/],
    ['a missing command', '{"id":"env-cmd","type":"request","payload":{}}', 'env-cmd', /"command"/],
    ['an unknown type', '{"id":"env-type","type":"query","command":"control/ping"}', 'env-type', /"type"/],
    ['headers that are not an object', '{"id":"env-hdr","command":"control/ping","headers":"v1"}', 'env-hdr', /"headers"/],
    ['a payload that is an array', '{"id":"env-pl","command":"control/ping","payload":[1]}', 'env-pl', /"payload"/],
    ['a payload that is a string', '{"id":"env-pl2","command":"control/ping","payload":"x"}', 'env-pl2', /"payload"/],
    ['a timestamp that is a string', '{"id":"env-ts","command":"control/ping","timestamp":"now"}', 'env-ts', /"timestamp"/],
  ];
  // Each malformed envelope: 400 INVALID_ENVELOPE naming the field, id echoed when readable.
  it.each(envelopeCases)('answers %s with 400 INVALID_ENVELOPE and stays open', async (_name, frame, id, field) => {
    const client = await connect();
    const wait = client.waitFor((f) => f.type === 'response' && f.payload.error_code === 'INVALID_ENVELOPE');
    client.writeRaw(frame + '\n');
    const response = await wait;
    expect(response.id).toBe(id);
    expect(response.payload.status).toBe(400);
    expect(response.payload.error_message).toMatch(field);
    await expectAlive(client);
  });

  // Unknown command: 404 UNKNOWN_COMMAND naming it; the connection survives.
  it('answers an unknown command with 404 UNKNOWN_COMMAND', async () => {
    const client = await connect();
    const response = await client.request('nope/nothing', {}, { id: 'unk-1' });
    expect(response).toMatchObject({ id: 'unk-1', command: 'nope/nothing' });
    expect(response.payload).toMatchObject({ status: 404, error_code: 'UNKNOWN_COMMAND' });
    expect(response.payload.error_message).toContain('nope/nothing');
    await expectAlive(client);
  });

  // An unknown command sent as an event gets no answer (events never do) and no disconnect.
  it('ignores an unknown event command without answering', async () => {
    const client = await connect();
    client.sendEvent('nope/event', {});
    await expectAlive(client, 'after-unknown-event');
    expect(client.events.filter((f) => f.type === 'response')).toEqual([]);
  });

  // Aliases: `control.ping` is normalized to `control/ping`; the response echoes what was sent.
  it('dispatches the control.ping alias', async () => {
    const client = await connect();
    const response = await client.request('control.ping', {}, { id: 'alias-1' });
    expect(response).toMatchObject({ id: 'alias-1', command: 'control.ping', payload: { status: 200 } });
  });

  // Versioning: an unsupported headers.version → 426 with supported_versions and a hint.
  it('answers headers.version "9.9" with 426 UNSUPPORTED_VERSION and supported_versions', async () => {
    const client = await connect();
    const response = await client.request('control/ping', {}, { id: 'ver-1', headers: { version: '9.9' } });
    expect(response.payload).toMatchObject({ status: 426, error_code: 'UNSUPPORTED_VERSION' });
    expect(response.payload.error_message).toMatch(/9\.9.*upgrade/);
    expect(response.headers?.supported_versions).toEqual(['1.0']);
    await expectAlive(client);
  });

  // Versioning: a frame without headers.version is treated as the current 1.0.
  it('treats a frame without headers.version as 1.0', async () => {
    const client = await connect();
    const wait = responseTo(client, 'nover-1');
    client.writeRaw(frameText({ id: 'nover-1', command: 'control/ping' }));
    const response: Envelope<Record<string, any>> = await wait;
    expect(response).toMatchObject({ payload: { status: 200 }, headers: { version: '1.0' } });
  });

  // Client responses (type "response") answer server requests; none are pending: ignored.
  it('ignores a stray response frame from the client', async () => {
    const client: SwitchboardClient = await connect();
    client.writeRaw(frameText({ id: 'stray-1', type: 'response', command: 'control/ping', payload: { status: 200 } }));
    await expectAlive(client, 'after-stray');
    expect(client.events.filter((f) => f.id === 'stray-1')).toEqual([]);
  });
});
