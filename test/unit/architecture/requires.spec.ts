/**
 * One way to need a service: describeWith / itWith (test/support/requires.ts). They name what is
 * missing (the skip reason, or CI's error); and no spec skips any other way, because a hand-made
 * `cond ? describe : describe.skip` skips silently in CI too (it was written seven ways before).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { missing, Probes } from '../../support/requires';

const ROOT = resolve(__dirname, '../../..');
const none: Probes = { redisServer: () => false, haproxy: () => false, tmpfs: () => false, tmux: () => false, slapd: () => false, chromium: () => false };
const all: Probes = { redisServer: () => true, haproxy: () => true, tmpfs: () => true, tmux: () => true, slapd: () => true, chromium: () => true };

describe('describeWith requirements', () => {
  it('names each missing service and how to provide it', () => {
    expect(missing({ postgres: true, redis: true }, {}, all).map((a) => a.what)).toEqual(['PostgreSQL (set TEST_DATABASE_URL)', 'Redis (set TEST_REDIS_URL)']);
    expect(missing({ redis: true }, { TEST_REDIS_URL: 'redis://x' }, none)).toEqual([]);
    expect(missing({ postgres: true }, { TEST_REDIS_URL: 'redis://x' }, none).map((a) => a.what)).toEqual(['PostgreSQL (set TEST_DATABASE_URL)']);
    expect(missing({ redisServer: true, haproxy: true }, {}, none).map((a) => a.what)).toEqual([
      'the redis-server binary (apt-get install redis-server)',
      'the haproxy binary (apt-get install haproxy)',
    ]);
    expect(missing({ redisServer: true, haproxy: true }, {}, all)).toEqual([]);
  });

  it('lets PostgreSQL-only specs skip in CI (its SQLite pass) but not a missing Redis or binary', () => {
    const absent = missing({ postgres: true, redis: true, redisServer: true, haproxy: true }, {}, none);
    expect(absent.filter((a) => !a.ciProvides).map((a) => a.what)).toEqual(['PostgreSQL (set TEST_DATABASE_URL)']);
  });
});

function specFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return specFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

// Built from parts so this file does not match itself.
const SKIP_STYLES: [string, RegExp][] = [
  ['describe/it/test' + '.skip', /\b(?:describe|it|test)\.skip\b/],
  ['x' + 'describe / xit / xtest', /\bx(?:describe|it|test)\(/],
  ['a conditional ' + 'describe/it', /\?\s*(?:describe|it|test)\b\s*:/],
  ['.only (skips every other test)', /\b(?:describe|it|test)\.only\b|\bf(?:describe|it)\(/],
];
// Reading these means the spec depends on a service; it must then say so through requires.ts.
const SERVICE_PROBES = /TEST_REDIS_URL|hasRedisServer\(|haproxyBinary\(/;

describe('no spec skips any other way', () => {
  const files = [...specFiles(join(ROOT, 'test')), ...specFiles(join(ROOT, 'src')).filter((f) => f.endsWith('.spec.ts'))]
    .map((f) => relative(ROOT, f))
    .filter((f) => f !== 'test/support/requires.ts' && f !== relative(ROOT, __filename));

  it('scans the specs', () => {
    expect(files).toEqual(expect.arrayContaining(['test/e2e/cluster/outage-redis.e2e-spec.ts', 'test/unit/presence/presence-store.spec.ts']));
  });

  it.each(files)('%s has no hand-made skip', (file) => {
    const source = readFileSync(join(ROOT, file), 'utf8');
    const found = SKIP_STYLES.filter(([, re]) => re.test(source)).map(([name]) => name);
    expect(found).toEqual([]);
  });

  const probing = files.filter((f) => !f.startsWith('test/support/') && SERVICE_PROBES.test(readFileSync(join(ROOT, f), 'utf8')));

  it('finds the specs that need a service', () => {
    expect(probing).toEqual(expect.arrayContaining(['test/e2e/transport/transport-redis-bus.e2e-spec.ts', 'test/unit/auth/redis-login-limiter.spec.ts']));
  });

  it.each(probing)('%s needs its services through describeWith/itWith', (file) => {
    expect(readFileSync(join(ROOT, file), 'utf8')).toMatch(/\b(?:describeWith|itWith)\(/);
  });
});
