/**
 * The one "needs PostgreSQL / Redis" switch for specs. Locally a spec whose service is not
 * configured is skipped with a visible reason in its title; in CI (CI=true, which also sets
 * TEST_DATABASE_URL and TEST_REDIS_URL) a missing service is an error, never a silent skip.
 *
 *   describeWith({ redis: true }, 'bus over Redis', () => { ... });
 */
export interface Requirements {
  postgres?: boolean;
  redis?: boolean;
}

export function missing(req: Requirements, env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  if (req.postgres && !env.TEST_DATABASE_URL) out.push('PostgreSQL (set TEST_DATABASE_URL)');
  if (req.redis && !env.TEST_REDIS_URL) out.push('Redis (set TEST_REDIS_URL)');
  return out;
}

export function describeWith(req: Requirements, name: string, fn: () => void): void {
  const absent = missing(req);
  if (absent.length === 0) return describe(name, fn);
  if (process.env.CI === 'true') {
    throw new Error(`${name}: needs ${absent.join(' and ')}, which CI must provide`);
  }
  describe.skip(`${name} [skipped: needs ${absent.join(' and ')}]`, fn);
}
