/**
 * The replay cache: record-on-outcome (reserve → settle), its hard size bound and per-connection
 * share, and the memory one entry costs (measured in a child process with --expose-gc; the number
 * is documented in docs/protocol.md and used for the REPLAY_CACHE_MAX_ENTRIES default).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { ReplayCache } from '../../../src/common/security/replay-cache';
import { ensureBuilt } from '../../support/spawn-server';

const limits = { windowMs: 1000, maxEntries: 100, maxPerOwner: 60 };

describe('replay cache', () => {
  it('refuses a final id within the window and forgets it afterwards', () => {
    const cache = new ReplayCache(limits);
    expect(cache.reserve('a', 0, 'c1', 0)).toBe('reserved');
    cache.settle('a', true);
    expect(cache.reserve('a', 0, 'c2', 500)).toBe('seen');
    expect(cache.reserve('a', 5000, 'c2', 5000)).toBe('reserved');
    expect(cache.size).toBe(1);
  });

  it('a pending id is "in-progress"; a released one can be used again', () => {
    const cache = new ReplayCache(limits);
    expect(cache.reserve('a', 0, 'c1', 0)).toBe('reserved');
    expect(cache.reserve('a', 0, 'c1', 1)).toBe('in-progress');
    cache.settle('a', false);
    expect(cache.size).toBe(0);
    expect(cache.heldBy('c1')).toBe(0);
    expect(cache.reserve('a', 0, 'c1', 2)).toBe('reserved');
  });

  it('holds at most maxPerOwner ids per connection and maxEntries in all', () => {
    const cache = new ReplayCache(limits);
    for (let i = 0; i < 60; i++) expect(cache.recordFinal(`f${i}`, 0, 'flood', 0)).toBe('reserved');
    expect(cache.reserve('f-more', 0, 'flood', 0)).toBe('owner-full');
    for (let i = 0; i < 40; i++) expect(cache.recordFinal(`g${i}`, 0, 'other', 0)).toBe('reserved');
    expect(cache.size).toBe(100);
    expect(cache.reserve('h', 0, 'third', 0)).toBe('full');
    expect(cache.retryAfterMs(0)).toBe(1000);
    // Expired entries make room again.
    expect(cache.reserve('h', 2000, 'third', 2000)).toBe('reserved');
    expect(cache.size).toBe(1);
  });

  it('finds expired entries behind a future-stamped head when full', () => {
    const cache = new ReplayCache({ windowMs: 1000, maxEntries: 3, maxPerOwner: 3 });
    cache.recordFinal('future', 10_000, 'c', 0);
    cache.recordFinal('old1', 0, 'c', 0);
    cache.recordFinal('old2', 0, 'c', 0);
    expect(cache.reserve('new', 2000, 'd', 2000)).toBe('reserved');
    expect(cache.reserve('future', 10_000, 'd', 2000)).toBe('seen');
  });

  it('an entry costs under 200 bytes with UUID ids and under 400 with the longest (128 two-byte chars) ids', () => {
    ensureBuilt();
    const module = path.resolve(__dirname, '../../../dist/src/common/security/replay-cache.js');
    // Ids come from JSON.parse of a frame, as on the server (not randomUUID(), whose strings
    // share a larger backing store). 
    const script = (idOf: string) => `
      const { ReplayCache } = require(${JSON.stringify(module)});
      const { randomUUID } = require('node:crypto');
      const n = 100000;
      const frames = Array.from({ length: n }, (_, i) => JSON.stringify({ id: ${idOf}, type: 'request', payload: { pad: 'x'.repeat(100) } }));
      const cache = new ReplayCache({ windowMs: 3600000, maxEntries: n, maxPerOwner: n });
      global.gc(); global.gc();
      const before = process.memoryUsage().heapUsed;
      const now = Date.now();
      for (let i = 0; i < n; i++) cache.recordFinal(JSON.parse(frames[i]).id, now, 'c-' + (i % 100), now);
      global.gc(); global.gc();
      const after = process.memoryUsage().heapUsed;
      // Both stay referenced past the measurement (else GC frees them inside it).
      if (cache.size !== n || frames.length !== n) throw new Error('not all stored');
      process.stdout.write(String((after - before) / n));`;
    const measure = (idOf: string) => Number(execFileSync(process.execPath, ['--expose-gc', '-e', script(idOf)], { encoding: 'utf8' }));
    const uuid = measure('randomUUID()');
    const longest = measure(`'\\u4e2d'.repeat(120) + String(i).padStart(8, '0')`);
    process.stdout.write(`replay cache: ${uuid.toFixed(0)} B/entry (UUID ids), ${longest.toFixed(0)} B/entry (128-char two-byte ids)\n`);
    expect(uuid).toBeGreaterThan(50);
    expect(uuid).toBeLessThan(200);
    expect(longest).toBeLessThan(400);
  });
});
