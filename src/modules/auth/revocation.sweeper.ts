/**
 * Sessions can be revoked outside this process (the admin CLI, another node without a shared
 * bus). Requests with their tokens are refused at once by the token guard, but an idle connection
 * would keep receiving pushes, so each process periodically looks for recently revoked sessions
 * that still have connections here and kicks them.
 */
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectConfig } from '../../config/config.util';
import { AuthConfig, authConfig } from './auth.config';
import { KickReason, KickReasons } from '../../shared/protocol/messages/auth.messages';
import { ConnectionRegistry } from '../../transport/connection-registry';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

/** Look back a little further than one interval: clocks of different processes drift. */
const OVERLAP_MS = 10_000;
const PRUNE_INTERVAL_MS = 10 * 60_000;

@Injectable()
export class RevocationSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Auth');
  private timer?: NodeJS.Timeout;
  private pruneTimer?: NodeJS.Timeout;
  private lastRun = Date.now();
  private running = false;

  constructor(
    @InjectConfig(authConfig) private readonly config: AuthConfig,
    private readonly repo: SessionsRepository,
    private readonly sessions: SessionsService,
    private readonly registry: ConnectionRegistry,
  ) {}

  onApplicationBootstrap(): void {
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
    if (this.config.revocationSweepMs <= 0) return;
    this.timer = setInterval(() => void this.sweep(), this.config.revocationSweepMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
  }

  /** Deletes retired refresh-token hashes that no longer matter; returns how many. */
  async prune(): Promise<number> {
    try {
      return await this.repo.pruneRetired(Date.now(), this.config.refreshTtlS * 1000);
    } catch (err) {
      this.logger.error(`retired refresh-token pruning failed: ${(err as Error).message}`);
      return 0;
    }
  }

  /** One pass; returns the number of sessions kicked. */
  async sweep(): Promise<number> {
    if (this.running || this.registry.size === 0) return 0;
    this.running = true;
    const startedAt = Date.now();
    try {
      const revoked = await this.repo.revokedSince(this.lastRun - OVERLAP_MS - this.config.revocationSweepMs);
      this.lastRun = startedAt;
      let kicked = 0;
      for (const session of revoked) {
        // Logout unbinds its own session's connections; they must stay open.
        if (session.reason === 'logout' || this.registry.forSession(session.id).size === 0) continue;
        const reason = (KickReasons as readonly string[]).includes(session.reason ?? '') ? (session.reason as KickReason) : 'revoked';
        await this.sessions.kick([session.id], reason);
        kicked++;
      }
      return kicked;
    } catch (err) {
      this.logger.error(`revocation sweep failed: ${(err as Error).message}`);
      return 0;
    } finally {
      this.running = false;
    }
  }
}
