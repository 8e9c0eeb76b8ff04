/**
 * What ties a data connection to its session and bounds its idleness (#18.3).
 *
 * A data connection is opened with an access token, so it belongs to that token's session: when
 * the session is revoked (logout, logout on all devices, kick, a login that replaces it, refresh
 * reuse) the control connections are closed or unbound by a `disconnect` message on the event bus,
 * on every node; the same message closes the session's data connections here, on every node, with
 * ERROR 401 SESSION_REVOKED. The transfer itself stays the user's: after logging in again it
 * resumes from its durable offset. A revocation no bus message announces (the admin CLI on a
 * node without the shared bus) is caught by the periodic check below, within one sweep plus
 * AUTH_SESSION_CACHE_MS.
 *
 * Idle: a data connection on which nothing moved (no byte read, no byte written) for
 * FILE_IDLE_TIMEOUT_S is closed with ERROR 408 IDLE_TIMEOUT, as the heartbeat sweeper closes an
 * idle control connection; the transfer stays resumable.
 */
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AccessTokenVerifier, VerifiedAccess } from '../../common/guards/access-token-verifier';
import { InjectConfig } from '../../config/config.util';
import { ProtocolError } from '../../shared/protocol';
import { BusMessage, BusTarget, EventBus } from '../../transport/event-bus';
import { toProtocolError } from '../../transport/protocol-error.mapper';
import type { ChannelConnection } from '../../transport/tlv-channel';
import { FileConfig, fileConfig } from './file.config';

interface Tracked {
  userId: string;
  sessionId: string;
  close(error: ProtocolError): void;
  /** bytesRead + bytesWritten at the last sweep, and when they last moved. */
  moved: number;
  since: number;
}

@Injectable()
export class DataConnectionGuard implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('FileDataChannel');
  private readonly tracked = new Map<ChannelConnection, Tracked>();
  private timer?: NodeJS.Timeout;
  private checking = false;

  constructor(
    @InjectConfig(fileConfig) private readonly config: FileConfig,
    private readonly bus: EventBus,
    private readonly verifier: AccessTokenVerifier,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe((message: BusMessage) => {
      if (message.kind === 'disconnect') this.revoked(message.target);
    });
    this.timer = setInterval(() => void this.sweep(), this.config.idleSweepMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** An OPEN authenticated this connection: it lives only as long as the session. */
  track(conn: ChannelConnection, access: VerifiedAccess, close: (error: ProtocolError) => void): void {
    // Closed while the token was being verified: onClose (and its untrack) already ran.
    if (conn.closed) return;
    this.tracked.set(conn, { userId: access.userId, sessionId: access.sessionId, close, moved: conn.bytesRead + conn.bytesWritten, since: Date.now() });
  }

  untrack(conn: ChannelConnection): void {
    this.tracked.delete(conn);
  }

  /** Closes the data connections of revoked sessions (a bus `disconnect`: kick or logout). */
  private revoked(target: BusTarget): void {
    for (const [conn, t] of this.tracked) {
      const hit = 'sessions' in target ? target.sessions.includes(t.sessionId) : 'users' in target ? target.users.includes(t.userId) : 'all' in target;
      if (hit) this.close(conn, t, sessionRevoked());
    }
  }

  /** Idle connections, then sessions revoked without a bus message. Returns how many were closed. */
  async sweep(now = Date.now()): Promise<number> {
    let closed = 0;
    const sessions = new Map<string, string>();
    for (const [conn, t] of this.tracked) {
      const moved = conn.bytesRead + conn.bytesWritten;
      if (moved !== t.moved) {
        t.moved = moved;
        t.since = now;
      } else if (now - t.since >= this.config.idleTimeoutMs) {
        this.close(conn, t, new ProtocolError('IDLE_TIMEOUT', `nothing was sent or received on this data connection for ${this.config.idleTimeoutMs / 1000} s (FILE_IDLE_TIMEOUT_S); resume the transfer on a new one`, 408));
        closed++;
        continue;
      }
      sessions.set(t.sessionId, t.userId);
    }
    if (this.checking || sessions.size === 0) return closed;
    this.checking = true;
    try {
      for (const [sessionId, userId] of sessions) {
        try {
          await this.verifier.assertSessionActive(userId, sessionId);
        } catch (err) {
          // Only a refusal closes; an outage of the session store is not a revocation.
          if (toProtocolError(err).status !== 401) continue;
          for (const [conn, t] of this.tracked) {
            if (t.sessionId === sessionId) {
              this.close(conn, t, sessionRevoked());
              closed++;
            }
          }
        }
      }
    } finally {
      this.checking = false;
    }
    return closed;
  }

  private close(conn: ChannelConnection, t: Tracked, error: ProtocolError): void {
    this.tracked.delete(conn);
    try {
      t.close(error);
    } catch (err) {
      this.logger.warn(`closing data connection ${conn.id}: ${(err as Error).message}`);
    }
  }
}

function sessionRevoked(): ProtocolError {
  return new ProtocolError('SESSION_REVOKED', 'the session this data connection was opened with was revoked (logout, kick or a new login); log in again and resume the transfer', 401);
}
