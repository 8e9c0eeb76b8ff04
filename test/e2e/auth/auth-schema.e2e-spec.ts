import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../../support/test-app';

describe('auth schema: the migration matches the entities', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('leaves no schema drift for users, sessions and retired_refresh_tokens', async () => {
    const ds = app.app.get(DataSource);
    const sql = await ds.driver.createSchemaBuilder().log();
    const mine = sql.upQueries
      .map((q) => q.query)
      .filter((q) => /\b"?(users|sessions|retired_refresh_tokens)"?\b/.test(q) || /IDX_(users|sessions|retired_refresh_tokens)_/.test(q));
    expect(mine).toEqual([]);
  });
});
