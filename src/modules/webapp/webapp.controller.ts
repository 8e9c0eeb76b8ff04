/**
 * The reference web client at /app on the HTTP ops port (WEB_APP=on): the static files of web/
 * plus the browser SDK bundle (dist/browser/switchboard.js, `npm run build:browser`), and
 * /app/config.json telling the page where the WebSocket port is. Only the files listed below
 * are served (no path from the request reaches the file system).
 */
import { Controller, Get, Header, NotFoundException, Param, Req, Res, ServiceUnavailableException } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InjectConfig } from '../../config/config.util';
import { SwitchboardServer } from '../../transport/switchboard.server';
import { WebAppConfig, webAppConfig } from './webapp.config';

/** The repository root: the first directory up from here with a package.json (src/ and dist/ alike). */
function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return from;
  }
}

const ROOT = findRoot(__dirname);
const FILES: Record<string, { file: string; type: string }> = {
  'index.html': { file: 'web/index.html', type: 'text/html; charset=utf-8' },
  'app.js': { file: 'web/app.js', type: 'text/javascript; charset=utf-8' },
  'app.css': { file: 'web/app.css', type: 'text/css; charset=utf-8' },
  'switchboard.js': { file: 'dist/browser/switchboard.js', type: 'text/javascript; charset=utf-8' },
  'switchboard.js.map': { file: 'dist/browser/switchboard.js.map', type: 'application/json' },
};

interface Reply {
  setHeader(name: string, value: string): void;
  send(body: Buffer | string): void;
}

@Controller('app')
export class WebAppController {
  constructor(
    @InjectConfig(webAppConfig) private readonly config: WebAppConfig,
    private readonly transport: SwitchboardServer,
  ) {}

  /** /app and /app/ (express routing is not strict): the page, whose links are absolute. */
  @Get()
  root(@Res() res: Reply): void {
    this.serve('index.html', res);
  }

  /** Where the page connects: WEB_APP_WS_URL, or this host on WS_PORT (wss when TLS is on). */
  @Get('config.json')
  @Header('cache-control', 'no-store')
  settings(@Req() req: { headers: Record<string, string | undefined>; hostname?: string }): { wsUrl: string } {
    this.enabled();
    if (this.config.wsUrl) return { wsUrl: this.config.wsUrl };
    const port = this.transport.wsPort;
    if (port === undefined) throw new ServiceUnavailableException('the web client needs the WebSocket port: set WS_PORT');
    const host = (req.headers.host ?? 'localhost').replace(/:\d+$/, '');
    return { wsUrl: `${this.transport.tlsPort !== undefined ? 'wss' : 'ws'}://${host}:${port}/` };
  }

  @Get(':name')
  file(@Param('name') name: string, @Res() res: Reply): void {
    this.serve(name, res);
  }

  private serve(name: string, res: Reply): void {
    this.enabled();
    const entry = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
    if (!entry) throw new NotFoundException(`no such file: /app/${name}`);
    let body: Buffer;
    try {
      body = fs.readFileSync(path.join(ROOT, entry.file));
    } catch {
      throw new ServiceUnavailableException(`${entry.file} is missing${entry.file.startsWith('dist/') ? ': run npm run build:browser' : ''}`);
    }
    res.setHeader('content-type', entry.type);
    res.setHeader('x-content-type-options', 'nosniff');
    // The page loads nothing from elsewhere; it connects only to the WebSocket port.
    if (name === 'index.html') res.setHeader('content-security-policy', "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' blob: data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    res.send(body);
  }

  private enabled(): void {
    if (!this.config.enabled) throw new NotFoundException('the web client is off (WEB_APP=on serves it)');
  }
}

