import { startTestApp, TestApp } from '../../support/test-app';

describe('control/ping over real TCP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers ping with the server time and the same id', async () => {
    const client = await app.connect();
    const before = Math.floor(Date.now() / 1000);
    const response = await client.request('control/ping', {}, { id: 'p-1' });
    expect(response).toMatchObject({ id: 'p-1', type: 'response', command: 'control/ping', headers: { version: '1.0' } });
    expect(response.payload.status).toBe(200);
    expect(response.payload.server_time).toBeGreaterThanOrEqual(before);
  });

  it('accepts the control.ping alias', async () => {
    const client = await app.connect();
    const response = await client.request('control.ping');
    expect(response.payload.status).toBe(200);
    expect(response.command).toBe('control.ping');
  });
});
