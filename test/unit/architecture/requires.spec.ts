/** The needs-PostgreSQL/Redis helper names what is missing (the skip reason, or CI's error). */
import { missing } from '../../support/requires';

describe('describeWith requirements', () => {
  it('names each missing service and how to provide it', () => {
    expect(missing({ postgres: true, redis: true }, {})).toEqual(['PostgreSQL (set TEST_DATABASE_URL)', 'Redis (set TEST_REDIS_URL)']);
    expect(missing({ redis: true }, { TEST_REDIS_URL: 'redis://x' })).toEqual([]);
    expect(missing({ postgres: true }, { TEST_REDIS_URL: 'redis://x' })).toEqual(['PostgreSQL (set TEST_DATABASE_URL)']);
  });
});
