import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { InjectConfig } from '../../config/config.util';
import { AuthConfig, authConfig } from './auth.config';
import { AuthCommands, ProtocolError } from '../../shared/protocol';
import type { KickReason } from '../../shared/protocol/messages/auth.messages';
import { BusMessage, EventBus } from '../../transport/event-bus';
import { EventPublisher } from '../../transport/event-publisher';
import { LoginProviders } from './login-providers';
import { SessionEntity } from './entities/session.entity';
import { SessionValidityCache, UsableSession } from './session-validity.cache';
import { SessionsRepository } from './sessions.repository';
import { hashRefreshToken, TokenService } from './token.service';

export interface IssuedTokens {
  token: string;
  refresh_token: string;
  expires_in: number;
  refresh_expires_in: number;
  session_id: string;
  user_id: string;
}

export interface SessionView {
  session_id: string;
  device: string;
  client_version: string | null;
  remote_address: string | null;
  /** Unix seconds, like envelope timestamps. */
  created_at: number;
  last_used_at: number;
  expires_at: number;
}

/** Session lifecycle: creation, refresh rotation with reuse detection, revocation and kicks. */
@Injectable()
export class SessionsService implements OnModuleInit {
  private readonly logger = new Logger('SessionsService');
  private readonly validity: SessionValidityCache;
  /**
   * Session reads in flight, by id, with the cache epoch they began at. Requests pipelined on a
   * session whose entry expired all wait for ONE read instead of each reading the row (with 16
   * in flight per connection that was 16 reads per session per second on PostgreSQL). A read
   * begun before an invalidation is not joined: the request reads again.
   */
  private readonly reading = new Map<string, { epoch: number; row: Promise<SessionEntity | null> }>();

  constructor(
    @InjectConfig(authConfig) private readonly config: AuthConfig,
    private readonly sessions: SessionsRepository,
    private readonly tokens: TokenService,
    private readonly publisher: EventPublisher,
    private readonly bus: EventBus,
    private readonly loginProviders: LoginProviders,
  ) {
    this.validity = new SessionValidityCache(config.sessionCacheMs);
  }

  /** Revocations elsewhere publish kicks/unbinds on the bus: forget those sessions at once. */
  onModuleInit(): void {
    this.bus.subscribe((message: BusMessage) => {
      if (message.kind !== 'disconnect') return;
      const target = message.target;
      if ('sessions' in target) this.validity.forgetSessions(target.sessions);
      else if ('users' in target) this.validity.forgetUsers(target.users);
      else if ('all' in target) this.validity.clear();
    });
  }

  async create(userId: string, info: { device: string; clientVersion?: string; remoteAddress?: string }): Promise<IssuedTokens> {
    const now = Date.now();
    const refresh = this.tokens.newRefreshToken();
    const session = Object.assign(new SessionEntity(), {
      id: `s-${randomBytes(10).toString('hex')}`,
      userId,
      device: info.device,
      clientVersion: info.clientVersion ?? null,
      remoteAddress: info.remoteAddress?.slice(0, 64) ?? null,
      refreshHash: refresh.hash,
      refreshGeneration: 0,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: now + this.config.refreshTtlS * 1000,
      revokedAt: null,
      revokedReason: null,
    });
    await this.sessions.insert(session);
    return this.issue(session, refresh.token);
  }

  /**
   * Rotates a refresh token. A token that was already rotated means two parties hold it: the
   * whole session is revoked, its connections are kicked, and the caller gets REFRESH_REUSED.
   */
  async refresh(refreshToken: string, boundUserId?: string): Promise<IssuedTokens> {
    const hash = hashRefreshToken(refreshToken);
    const session = await this.sessions.findByRefreshHash(hash);
    if (!session) {
      const reusedSession = await this.sessions.findRetired(hash);
      if (reusedSession) {
        // Revoked now; the kick is the caller's to send once its 401 went out (RefreshReusedError).
        throw reuseError(await this.revoke([reusedSession], 'refresh_reused'));
      }
      throw new ProtocolError('REFRESH_INVALID', 'refresh_token is unknown or expired; log in again with auth/login');
    }
    assertActive(session, Date.now());
    // Checked before rotating: a refused refresh must not burn the owner's refresh token.
    if (boundUserId !== undefined && session.userId !== boundUserId) {
      throw new ProtocolError('TOKEN_INVALID', 'refresh_token belongs to another user than the one logged in on this connection');
    }
    // Company sign-in: the directory or provider may still say no (left the company, outage → 503).
    await this.loginProviders.checkRefresh({ sessionId: session.id, userId: session.userId, createdAt: session.createdAt });
    const next = this.tokens.newRefreshToken();
    const now = Date.now();
    const rotated = await this.sessions.rotate(session.id, hash, next.hash, now, now + this.config.refreshTtlS * 1000);
    if (!rotated) {
      // Lost a race against another refresh with the same token: that is reuse too.
      throw reuseError(await this.revoke([session.id], 'refresh_reused'));
    }
    return this.issue(session, next.token);
  }

  /**
   * The session behind a verified access token, if still usable; throws SESSION_REVOKED. Served
   * from memory when possible (see SessionValidityCache for the staleness bound), and then
   * synchronously (no promise per frame); refusals from memory are thrown synchronously too.
   */
  assertUsable(sessionId: string, userId: string): UsableSession | Promise<UsableSession> {
    const now = Date.now();
    if (this.validity.isRevoked(sessionId)) throw revokedError();
    const cached = this.validity.lookup(sessionId, now);
    // An entry past the session's end is re-read: a refresh may have extended it meanwhile.
    if (cached && cached.expiresAt > now) {
      if (cached.userId !== userId) throw unknownSessionError();
      if (this.validity.wantsRefresh(cached, now)) this.refreshInBackground(sessionId, now);
      return cached;
    }
    return this.read(sessionId, now).then((session) => {
      if (!session || session.userId !== userId) throw unknownSessionError();
      assertActive(session, Date.now());
      return session;
    });
  }

  /** Reads the row (joining a read of the same epoch in flight) and remembers what it found. */
  private read(sessionId: string, now: number): Promise<SessionEntity | null> {
    const epoch = this.validity.epoch;
    const inFlight = this.reading.get(sessionId);
    if (inFlight !== undefined && inFlight.epoch === epoch) return inFlight.row;
    const row = this.sessions.findById(sessionId).then(
      (session) => {
        if (session) this.validity.remember(session, epoch, now);
        // Gone from the database (expired and swept): a background read must not leave it cached.
        else this.validity.forgetSessions([sessionId]);
        return session;
      },
    );
    const entry = { epoch, row };
    this.reading.set(sessionId, entry);
    const done = () => {
      if (this.reading.get(sessionId) === entry) this.reading.delete(sessionId);
    };
    row.then(done, done);
    return row;
  }

  /** Refresh-ahead: the entry still answers (within its bound) while this read runs. */
  private refreshInBackground(sessionId: string, now: number): void {
    const inFlight = this.reading.get(sessionId);
    if (inFlight !== undefined && inFlight.epoch === this.validity.epoch) return;
    // A failed read is not an answer: the entry expires at its bound and the next request reads
    // in the foreground, where the error reaches the client.
    this.read(sessionId, now).catch(() => undefined);
  }

  findById(sessionId: string): Promise<SessionEntity | null> {
    return this.sessions.findById(sessionId);
  }

  async listActive(userId: string): Promise<SessionView[]> {
    const rows = await this.sessions.findActiveByUser(userId, Date.now());
    return rows.map((s) => ({
      session_id: s.id,
      device: s.device,
      client_version: s.clientVersion,
      remote_address: s.remoteAddress,
      created_at: Math.floor(s.createdAt / 1000),
      last_used_at: Math.floor(s.lastUsedAt / 1000),
      expires_at: Math.floor(s.expiresAt / 1000),
    }));
  }

  /** Active sessions of `userId` other than `except` whose device matches (if given). */
  async activeIds(userId: string, options: { except?: string; device?: string } = {}): Promise<string[]> {
    const rows = await this.sessions.findActiveByUser(userId, Date.now());
    return rows
      .filter((s) => s.id !== options.except && (options.device === undefined || s.device === options.device))
      .map((s) => s.id);
  }

  /**
   * Which of `sessionIds` still work (not logged out, revoked or expired): modules that bind
   * something to a session (push tokens) drop it when the session is gone.
   */
  activeAmong(sessionIds: string[]): Promise<Set<string>> {
    return this.sessions.activeAmong(sessionIds, Date.now());
  }

  private readonly revokedListeners: ((sessionIds: string[]) => Promise<void>)[] = [];

  /**
   * Port: a module that binds something to a session (push tokens) drops it when the session is
   * revoked (logout, kick, disabled account, replaced). Called after the revocation committed;
   * a failing listener is logged and never undoes it (expired sessions are the module's own
   * check: `activeAmong`).
   */
  onRevoked(listener: (sessionIds: string[]) => Promise<void>): void {
    this.revokedListeners.push(listener);
  }

  /** Revokes sessions (tokens stop working at once); returns the ids that were still active. */
  async revoke(sessionIds: string[], reason: string): Promise<string[]> {
    const revoked = await this.sessions.revoke(sessionIds, reason, Date.now());
    // This process refuses them from now on; other processes on the kick/unbind bus message or
    // within AUTH_SESSION_CACHE_MS.
    this.validity.revokedNow(revoked);
    if (revoked.length > 0) {
      for (const listener of this.revokedListeners) {
        await listener(revoked).catch((err: Error) => this.logger.warn(`session revocation listener failed: ${err.message}`));
      }
    }
    return revoked;
  }

  /** Sends `auth/kick {reason, session_id}` to every connection of each session, then closes them. */
  async kick(sessionIds: string[], reason: KickReason): Promise<void> {
    await Promise.all(
      sessionIds.map((id) =>
        this.publisher.disconnect({ sessions: [id] }, { command: AuthCommands.KICK.name, payload: { reason, session_id: id } }),
      ),
    );
  }

  /** Unbinds (without closing) every connection of a session, e.g. after logout. */
  unbindSession(sessionId: string): Promise<void> {
    return this.publisher.unbind({ sessions: [sessionId] });
  }

  /** Revokes and kicks every active session of a user (left the company, back-channel logout). */
  async revokeAllAndKick(userId: string, reason: KickReason): Promise<string[]> {
    return this.revokeAndKick(await this.activeIds(userId), reason);
  }

  async revokeAndKick(sessionIds: string[], reason: KickReason): Promise<string[]> {
    const revoked = await this.revoke(sessionIds, reason);
    await this.kick(revoked, reason);
    return revoked;
  }

  private async issue(session: SessionEntity, refreshToken: string): Promise<IssuedTokens> {
    return {
      token: await this.tokens.signAccess(session.userId, session.id),
      refresh_token: refreshToken,
      expires_in: this.tokens.accessTtlS,
      refresh_expires_in: this.config.refreshTtlS,
      session_id: session.id,
      user_id: session.userId,
    };
  }
}

function unknownSessionError(): ProtocolError {
  return new ProtocolError('TOKEN_INVALID', 'access token refers to an unknown session; log in again with auth/login');
}

function revokedError(): ProtocolError {
  return new ProtocolError('SESSION_REVOKED', 'this session was revoked (logout, kick or new login); log in again with auth/login');
}

function assertActive(session: SessionEntity, now: number): void {
  if (session.revokedAt !== null) throw revokedError();
  if (session.expiresAt <= now) {
    throw new ProtocolError('SESSION_REVOKED', 'this session expired; log in again with auth/login');
  }
}

/**
 * REFRESH_REUSED, carrying the sessions revoked for it: the handler kicks their connections
 * AFTER answering, so a reuse on the session's own connection gets its 401 before auth/kick and
 * the close (the kick used to overtake the response).
 */
export class RefreshReusedError extends ProtocolError {
  constructor(readonly revokedSessions: string[]) {
    super(
      'REFRESH_REUSED',
      'refresh_token was already used; the session has been revoked as a precaution (possible token theft). Log in again with auth/login',
    );
  }
}

function reuseError(revoked: string[]): RefreshReusedError {
  return new RefreshReusedError(revoked);
}
