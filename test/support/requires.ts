/**
 * The one "needs PostgreSQL / Redis / a binary" switch for specs (test/unit/architecture/requires.spec.ts
 * fails on any other skip style, so a skip is always explained and never silent in CI).
 *
 * Locally a spec whose service is missing is skipped with the reason in its title and on the
 * console. In CI (CI=true; .ci/run provides Redis to both passes, redis-server and haproxy) a
 * missing service is an error, never a silent skip. The one exception is `postgres`: it selects
 * an engine rather than a service, and CI runs the suite once on SQLite and once on PostgreSQL,
 * so a PostgreSQL-only spec skips in the SQLite pass (also in CI) and runs in the other.
 *
 *   describeWith({ redis: true }, 'bus over Redis', () => { ... });
 *   itWith({ redisServer: true }, 'fails closed when its Redis stops', async () => { ... });
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromiumPath } from './browser';
import { haproxyBinary } from './haproxy';
import { hasRedisServer } from './redis-server';
import { hasSlapd } from './slapd';
import { canMountTmpfs } from './tmpfs';

export interface Requirements {
  /** TEST_DATABASE_URL: the spec is about PostgreSQL itself (skipped on the SQLite engine, also in CI). */
  postgres?: boolean;
  /** TEST_REDIS_URL: the shared Redis (own key prefixes; never flushed). */
  redis?: boolean;
  /** The redis-server binary: the spec starts a private instance it may stop or flush (redis-server.ts). */
  redisServer?: boolean;
  /** The haproxy binary (haproxy.ts). */
  haproxy?: boolean;
  /** Mounting a small tmpfs (root with CAP_SYS_ADMIN, as CI runs): a real full file system (tmpfs.ts). */
  tmpfs?: boolean;
  /** The tmux binary: a spec drives a program in a real terminal (send-keys, capture-pane). */
  tmux?: boolean;
  /** Debian's slapd (/usr/sbin/slapd + schemas): the spec starts a private OpenLDAP server (slapd.ts). */
  slapd?: boolean;
  /** Chromium (Debian's package, CHROMIUM_PATH or /usr/bin/chromium): a spec drives a real browser (browser.ts). */
  chromium?: boolean;
}

export interface Absent {
  /** What is missing and how to provide it. */
  what: string;
  /** CI provides it, so its absence under CI=true is an error rather than a skip. */
  ciProvides: boolean;
}

/** Binary probes, injectable so the unit spec can check the reasons without touching PATH. */
export interface Probes {
  redisServer(): boolean;
  haproxy(): boolean;
  tmpfs(): boolean;
  tmux(): boolean;
  slapd(): boolean;
  chromium(): boolean;
}

const binaries: Probes = {
  chromium: () => existsSync(chromiumPath()),
  redisServer: hasRedisServer,
  haproxy: () => haproxyBinary() !== undefined,
  tmpfs: canMountTmpfs,
  slapd: hasSlapd,
  tmux: () => {
    try {
      execFileSync('tmux', ['-V'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  },
};

export function missing(
  req: Requirements,
  env: NodeJS.ProcessEnv = process.env,
  probes: Probes = binaries,
): Absent[] {
  const out: Absent[] = [];
  if (req.postgres && !env.TEST_DATABASE_URL)
    out.push({ what: 'PostgreSQL (set TEST_DATABASE_URL)', ciProvides: false });
  if (req.redis && !env.TEST_REDIS_URL)
    out.push({ what: 'Redis (set TEST_REDIS_URL)', ciProvides: true });
  if (req.redisServer && !probes.redisServer())
    out.push({ what: 'the redis-server binary (apt-get install redis-server)', ciProvides: true });
  if (req.haproxy && !probes.haproxy())
    out.push({ what: 'the haproxy binary (apt-get install haproxy)', ciProvides: true });
  if (req.tmpfs && !probes.tmpfs())
    out.push({ what: 'permission to mount a tmpfs (run as root with CAP_SYS_ADMIN)', ciProvides: true });
  if (req.slapd && !probes.slapd()) out.push({ what: 'the slapd binary (apt-get install slapd)', ciProvides: true });
  if (req.tmux && !probes.tmux()) out.push({ what: 'the tmux binary (apt-get install tmux)', ciProvides: true });
  if (req.chromium && !probes.chromium()) out.push({ what: 'Chromium (apt-get install chromium, or set CHROMIUM_PATH)', ciProvides: true });
  return out;
}

/** The title to skip under, or undefined to run; throws in CI when CI should have provided it. */
function skipReason(req: Requirements, name: string): string | undefined {
  const absent = missing(req);
  if (absent.length === 0) return undefined;
  const needs = absent.map((a) => a.what).join(' and ');
  if (process.env.CI === 'true' && absent.some((a) => a.ciProvides)) {
    throw new Error(`${name}: needs ${needs}, which CI must provide`);
  }
  // The title alone shows only with --verbose; the console line shows in every local run.
  console.warn(`SKIPPED "${name}": needs ${needs}`);
  return `${name} [skipped: needs ${needs}]`;
}

export function describeWith(req: Requirements, name: string, fn: () => void): void {
  const skipped = skipReason(req, name);
  if (skipped === undefined) describe(name, fn);
  else describe.skip(skipped, fn);
}

export function itWith(
  req: Requirements,
  name: string,
  fn: jest.ProvidesCallback,
  timeout?: number,
): void {
  const skipped = skipReason(req, name);
  if (skipped === undefined) it(name, fn, timeout);
  else it.skip(skipped, fn, timeout);
}
