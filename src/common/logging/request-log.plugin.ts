/**
 * One structured line per answered request, from the transport's plugin hooks: connection id,
 * user id once known, command, frame id, status, error code and duration. Payloads are not part
 * of request lines; at LOG_LEVEL=debug every inbound frame is logged too, with secrets redacted
 * by the root logger's `redact` paths.
 */
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Envelope } from '../../shared/protocol';
import type { Connection } from '../../transport/connection';
import { SwitchboardServer } from '../../transport/switchboard.server';
import { PluginOrder, type RequestOutcome, type TransportPlugin } from '../../transport/transport-plugin';
import { ROOT_LOGGER } from './logging.tokens';
import type { RootLogger } from './pino-logger';

@Injectable()
export class RequestLogPlugin implements TransportPlugin, OnModuleInit {
  readonly name = 'request-log';
  readonly order = PluginOrder.OBSERVE + 1;
  private readonly log: RootLogger;

  constructor(
    @Inject(ROOT_LOGGER) root: RootLogger,
    private readonly server: SwitchboardServer,
  ) {
    this.log = root.child({ context: 'Request' });
  }

  onModuleInit(): void {
    this.server.use(this);
  }

  onRequestDone(conn: Connection, outcome: RequestOutcome): void {
    // At LOG_LEVEL=warn and above only failures are logged: no line object for the rest.
    if (outcome.status < 500 && !this.log.isLevelEnabled('info')) return;
    const line = {
      conn_id: conn.id,
      user_id: conn.userId,
      command: outcome.command,
      frame_id: outcome.id,
      status: outcome.status,
      error_code: outcome.errorCode,
      duration_ms: outcome.durationMs,
    };
    if (outcome.status >= 500) this.log.warn(line, 'request failed');
    else this.log.info(line, 'request');
  }

  onInbound(conn: Connection, envelope: Envelope, command: string): void {
    if (!this.log.isLevelEnabled('debug')) return;
    this.log.debug(
      { conn_id: conn.id, user_id: conn.userId, command, frame: envelope },
      'frame in',
    );
  }

  onFrameRejected(conn: Connection, errorCode: string): void {
    this.log.debug(
      { conn_id: conn.id, user_id: conn.userId, error_code: errorCode },
      'frame rejected',
    );
  }

  onConnect(conn: Connection): void {
    this.log.trace({ conn_id: conn.id, remote: conn.remoteAddress }, 'connected');
  }

  onClose(conn: Connection): void {
    this.log.trace({ conn_id: conn.id, user_id: conn.userId }, 'closed');
  }
}
