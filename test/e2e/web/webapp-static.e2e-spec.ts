/**
 * The /app route of the HTTP ops port (webapp module): off unless WEB_APP=on; then the page, its
 * two assets and the SDK bundle only (nothing else of the file system), and config.json naming
 * the WebSocket port for the page's host.
 */
import * as http from 'node:http';
import { startTestApp, TestApp } from '../../support/test-app';
import { ensureBrowserBundle } from '../../support/browser';

describe('web client files at /app', () => {
  it('is off by default (404)', async () => {
    const app = await startTestApp();
    try {
      expect((await fetch(`http://127.0.0.1:${app.httpPort}/app/`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${app.httpPort}/app/config.json`)).status).toBe(404);
    } finally {
      await app.close();
    }
  });

  describe('with WEB_APP=on', () => {
    let app: TestApp;
    beforeAll(async () => {
      ensureBrowserBundle();
      app = await startTestApp({ WEB_APP: 'on', WS_PORT: '0' });
    });
    afterAll(() => app.close());
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${app.httpPort}${path}`, { headers });

    it('serves the page (with a strict content security policy), its assets and the SDK bundle', async () => {
      for (const path of ['/app', '/app/']) {
        const page = await get(path);
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/text\/html/);
        expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
        expect(await page.text()).toContain('<script type="module" src="/app/app.js">');
      }
      expect((await get('/app/app.js')).headers.get('content-type')).toMatch(/javascript/);
      expect((await get('/app/app.css')).headers.get('content-type')).toMatch(/text\/css/);
      const bundle = await get('/app/switchboard.js');
      expect(bundle.status).toBe(200);
      expect(await bundle.text()).toContain('SwitchboardSession');
    });

    it('serves nothing else', async () => {
      for (const path of ['/app/package.json', '/app/..%2Fpackage.json', '/app/%2e%2e%2fpackage.json', '/app/web', '/app/index.htm']) {
        expect((await get(path)).status).toBe(404);
      }
    });

    it('tells the page the WebSocket URL on its own host', async () => {
      // fetch() may not set Host: a plain request does.
      const body = await new Promise<string>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: app.httpPort, path: '/app/config.json', headers: { host: `chat.example.com:${app.httpPort}` } }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
      expect(JSON.parse(body)).toEqual({ wsUrl: `ws://chat.example.com:${app.transport.wsPort}/` });
    });
  });
});
