/**
 * Regression: hostile payloads must never produce a 500 or kill the connection.
 *
 * Every request command gets, field by field, values of the wrong JSON type (numbers, arrays,
 * null, nested objects, prototype-pollution keys, very long and odd unicode strings, negative,
 * float, huge and NaN-like numbers). Each answer must be a non-5xx protocol response with an
 * error_code when it fails, and the connection must still answer a ping afterwards. A bounded
 * fast-check property then throws random JSON at every command.
 *
 * Bug found this way: `message/send` with `target: [ {...} ]` (an object wrapped in an array)
 * passed validation (@ValidateNested checks array elements) and ended in a 500.
 */
import fc from 'fast-check';
import type { SwitchboardClient } from '../../../src/client/switchboard-client';
import { registerAndLogin } from '../../support/users';
import { LogCapture } from '../../support/log-capture';
import { startTestApp, TestApp } from '../../support/test-app';

const deep = (n: number): unknown => (n === 0 ? 'x' : { a: deep(n - 1) });

const HOSTILE: unknown[] = [
  null,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  true,
  '',
  'NaN',
  'Infinity',
  '-1',
  '1e999',
  'x'.repeat(70_000),
  '\u0000\u202e\ud800',
  '👩‍👩‍👧‍👦'.repeat(50),
  [],
  ['a', 1, null],
  {},
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
  deep(200),
];

/** One plausible payload per request command (`#suffix`: another variant); each field is replaced in turn. */
function samples(ids: { other: string; group: string; session: string }): Record<string, Record<string, unknown>> {
  return {
    'auth/register': { username: 'someone_x', password: 'pw-123456789', display_name: 'X' },
    'auth/login': { username: 'nobody_here', password: 'pw-123456789', client_info: { device: 'd', version: '1' } },
    'auth/refresh': { refresh_token: 'nope' },
    'auth/sessions': { user_id: ids.other },
    'auth/kick': { user_id: ids.other, session_id: ids.session },
    'presence/update': { status: 'away', text: 'hi' },
    'presence/list': { user_ids: [ids.other], cursor: 'x', limit: 10 },
    'presence/subscribe': { user_ids: [ids.other] },
    'message/send': {
      conversation_id: ids.group,
      target: { type: 'group', id: ids.group },
      content: { type: 'text', text: 'hello' },
      attachments: [],
      meta: { reply_to: 'm-1', priority: 'normal' },
    },
    // Without conversation_id: the server derives it from the target (another code path).
    'message/send#derived': { target: { type: 'user', id: ids.other }, content: { type: 'text', text: 'hello' } },
    'message/ack': { conversation_id: ids.group, seq: 1, state: 'read' },
    'message/history': { conversation_id: ids.group, before: 'x', since: 'y', limit: 10 },
    'group/create': { name: 'g', members: [ids.other] },
    'group/add': { group_id: ids.group, conversation_id: ids.group, members: [ids.other] },
    'group/remove': { group_id: ids.group, conversation_id: ids.group, members: [ids.other] },
    'group/leave': { group_id: ids.group, conversation_id: ids.group },
    'group/members': { group_id: ids.group, conversation_id: ids.group },
    'group/list': { cursor: 'x', limit: 10 },
    'control/ping': {},
    // auth/logout last: it unbinds the connection.
  };
}

describe('regression: hostile payloads never give a 500 and never kill the connection', () => {
  let app: TestApp;
  let client: SwitchboardClient;
  /** Public commands run on their own connection: a successful fuzzed login would rebind it. */
  let anon: SwitchboardClient;
  const PUBLIC = new Set(['auth/register', 'auth/login', 'auth/refresh']);
  let cmds: Record<string, Record<string, unknown>>;
  const logs = new LogCapture();

  beforeAll(async () => {
    app = await startTestApp({ AUTH_TIMEOUT_MS: '0', RATE_LIMIT_CONN_RPS: '0', RATE_LIMIT_USER_RPS: '0', AUTH_LOGIN_MAX_FAILURES: '100000', AUTH_LOGIN_USER_MAX_FAILURES: '100000', AUTH_LOGIN_ADDRESS_MAX_FAILURES: '100000' }, { logStream: logs });
    const alice = await registerAndLogin(app);
    const bob = await registerAndLogin(app);
    client = alice.client;
    anon = await app.connect();
    const group = await client.call('group/create', { name: 'fuzz', members: [bob.userId] });
    const groupId = (group.group_id ?? group.conversation_id) as string;
    cmds = samples({ other: bob.userId, group: groupId, session: bob.sessionId });
  }, 60_000);

  afterAll(async () => {
    await app.close();
  });

  async function expectSane(command: string, payload: unknown): Promise<void> {
    const name = command.split('#')[0];
    const response = await (PUBLIC.has(name) ? anon : client).request(name, payload as Record<string, unknown>);
    const status = response.payload.status as number;
    if (status >= 500 || typeof status !== 'number') {
      throw new Error(`${command} ${JSON.stringify(payload).slice(0, 300)} -> ${JSON.stringify(response.payload).slice(0, 300)}`);
    }
    if (status >= 400) expect(typeof response.payload.error_code).toBe('string');
  }

  it('answers every wrong-typed field with a non-5xx status and keeps the connection', async () => {
    const failures: string[] = [];
    for (const [command, sample] of Object.entries(cmds)) {
      const variants: unknown[] = [null, [], 'str', 5, ...HOSTILE.map((v) => ({ ...sample, ['__proto__']: v }))];
      for (const field of Object.keys(sample)) {
        for (const value of HOSTILE) variants.push({ ...sample, [field]: value });
        const inner = sample[field];
        if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
          for (const sub of Object.keys(inner)) for (const value of HOSTILE) variants.push({ ...sample, [field]: { ...inner, [sub]: value } });
          // An object wrapped in an array: @ValidateNested accepts it (validates the elements).
          variants.push({ ...sample, [field]: [inner] }, { ...sample, [field]: [inner, inner] });
        }
        if (Array.isArray(inner)) for (const value of HOSTILE) variants.push({ ...sample, [field]: [value] });
      }
      for (const payload of variants) {
        await expectSane(command, payload).catch((err: Error) => failures.push(err.message));
      }
    }
    expect(failures).toEqual([]);
    expect((await client.call('control/ping')).status).toBe(200);
    expect((await anon.call('control/ping')).status).toBe(200);
    // Still bound to alice: nothing above logged this connection out or rebound it.
    expect((await client.call('group/list', {})).status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 120_000);

  /**
   * Every position of every sample (top-level fields, fields of nested objects, array elements),
   * replaced by `null` and by a value of the wrong JSON type, must be refused with 400 naming
   * that position: the client has to know what to fix, and must not retry a request that can
   * never work. Only the documented nullable positions may accept null.
   */
  it('answers null and wrong JSON types in every position of every command with 400 naming the field', async () => {
    // Documented: presence text null clears it; meta.reply_to null means "not a reply".
    const NULLABLE = new Set(['presence/update:text', 'message/send:meta.reply_to']);
    const failures: string[] = [];
    let checked = 0;
    for (const [command, sample] of Object.entries(strictSamples(cmds))) {
      const name = command.split('#')[0];
      for (const { path, set } of positions(sample)) {
        const wrong = wrongTypeFor(get(sample, path));
        for (const [label, value] of [['null', null], ['wrong type', wrong]] as const) {
          const payload = set(value);
          const response = await (PUBLIC.has(name) ? anon : client).request(name, payload);
          checked++;
          const p = response.payload as { status: number; error_code?: string; error_message?: string; fields?: { field: string; problems?: string[] }[] };
          if (label === 'null' && NULLABLE.has(`${name}:${path}`)) {
            if (p.status >= 500) failures.push(`${command} ${path}=null -> ${p.status}`);
            continue;
          }
          // An array element may be named by its index or by the array (`members: must contain user ids`).
          const names = [path, path.replace(/\[\d+\]$/, '')];
          // Open objects (content, meta) are checked as a whole: their problem text names the path.
          const named = (p.fields ?? []).some(
            (f) => names.some((n) => f.field === n || f.field.startsWith(`${n}.`) || f.field.startsWith(`${n}[`)) || (f.problems ?? []).some((t) => t.startsWith(`${path} `)),
          );
          if (p.status !== 400 || !named) failures.push(`${command} ${path}=${JSON.stringify(value)} -> ${p.status} ${p.error_code} ${p.error_message}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(100);
    expect((await client.call('control/ping')).status).toBe(200);
  }, 120_000);

  it('sends every hostile payload as a type "event" frame too: no internal error logged, connection alive', async () => {
    const before = logs.raw.length;
    for (const [command, sample] of Object.entries(cmds)) {
      const name = command.split('#')[0];
      if (PUBLIC.has(name)) continue;
      for (const field of Object.keys(sample)) for (const value of HOSTILE) client.sendEvent(name, { ...sample, [field]: value });
      client.sendEvent('presence/heartbeat', { seq: sample });
    }
    for (const value of HOSTILE) client.sendEvent('presence/heartbeat', { seq: value });
    // Frames on one connection are read in order: once the ping is answered every event above
    // was dispatched; whenIdle then waits until their handlers have finished.
    expect((await client.call('control/ping')).status).toBe(200);
    expect(await app.transport.whenIdle(20_000)).toBe(true);
    expect((await client.call('group/list', {})).status).toBe(200);
    const internal = logs.raw.slice(before).filter((l) => /internal error|RangeError|QueryFailedError/.test(l));
    expect(internal).toEqual([]);
  }, 60_000);

  it('property: random JSON payloads to every command never give a 500', async () => {
    const commands = Object.keys(cmds);
    const json = fc.jsonValue({ maxDepth: 3 });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...commands),
        fc.oneof(json, fc.dictionary(fc.string({ maxLength: 12 }), json, { maxKeys: 5 })),
        async (command, payload) => {
          const merged = payload && typeof payload === 'object' && !Array.isArray(payload) ? { ...cmds[command], ...payload } : payload;
          await expectSane(command, merged);
        },
      ),
      { numRuns: 300, interruptAfterTimeLimit: 20_000 },
    );
    expect((await client.call('control/ping')).status).toBe(200);
    expect(logs.raw.filter((l) => /internal error|RangeError|QueryFailedError/.test(l))).toEqual([]);
  }, 60_000);
});

/**
 * The samples without alternative fields that would be refused first (before + since, user_ids +
 * cursor) and without group_id, which is not a protocol field (unknown fields are stripped).
 */
function strictSamples(cmds: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [command, sample] of Object.entries(cmds)) {
    const { group_id: _ignored, ...rest } = sample;
    out[command] = rest;
  }
  const { cursor, limit, ...ids } = cmds['presence/list'];
  out['presence/list'] = ids;
  out['presence/list#page'] = { cursor, limit };
  const { since, ...before } = cmds['message/history'];
  out['message/history'] = before;
  out['message/history#since'] = { since, limit: before.limit };
  return out;
}

/** Every position in a sample payload: object fields (recursively) and array elements, with a setter. */
function positions(sample: Record<string, unknown>): { path: string; set: (value: unknown) => Record<string, unknown> }[] {
  const out: { path: string; set: (value: unknown) => Record<string, unknown> }[] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    if (path.length > 0) {
      const at = [...path];
      out.push({ path: dotted(at), set: (v) => replaced(sample, at, v) as Record<string, unknown> });
    }
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(sample, []);
  return out;
}

function dotted(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function replaced(value: unknown, path: (string | number)[], next: unknown): unknown {
  if (path.length === 0) return next;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? replaced(v, rest, next) : v));
  const obj = value as Record<string, unknown>;
  return { ...obj, [head]: replaced(obj[head as string], rest, next) };
}

function get(value: unknown, dottedPath: string): unknown {
  const parts = dottedPath.split(/\.|\[|\]/).filter((p) => p !== '');
  return parts.reduce<unknown>((v, p) => (v as Record<string, unknown> | undefined)?.[p], value);
}

/** A JSON value of another type than `value`'s. */
function wrongTypeFor(value: unknown): unknown {
  if (typeof value === 'string') return 12345;
  if (typeof value === 'number') return 'not-a-number';
  if (typeof value === 'boolean') return 'yes';
  if (Array.isArray(value)) return 'not-an-array';
  if (value && typeof value === 'object') return 'not-an-object';
  return { unexpected: true };
}
