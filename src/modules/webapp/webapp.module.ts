import { Module } from '@nestjs/common';
import { WebAppController } from './webapp.controller';

/**
 * The reference web client (web/, docs/client.md "Reference web client"), served at /app on the
 * HTTP ops port when WEB_APP=on. No tables, no commands: the page is a client like any other and
 * talks to the server over the WebSocket port.
 */
@Module({ controllers: [WebAppController] })
export class WebAppModule {}
