/** push/register, push/unregister, push/settings: devices bound to sessions, and preferences. */
import { createHash, randomBytes } from 'node:crypto';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { SessionsService } from '../auth';
import { ProtocolError } from '../../shared/protocol';
import { notFound } from '../../shared/protocol/errors';
import { fieldError } from '../../shared/protocol/validator';
import { PushMetrics } from './push.metrics';
import { PushProviders } from './push-providers';
import { isTimeZone } from './push-rules';
import { PushRepository } from './push.repository';
import { PushLevel, PushRegisterRequest, PushSettingsRequest, PushSettingsResponse, PushUnregisterRequest, PUSH_PLATFORMS } from './push.dto';

/** Tokens one user may hold (old ones are replaced by re-registering, dead ones removed). */
const DEVICES_PER_USER_MAX = 20;

export function tokenHash(platform: string, token: string): string {
  return createHash('sha256').update(`${platform}\n${token}`).digest('hex');
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const toHhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

@Injectable()
export class PushService implements OnModuleInit {
  constructor(
    private readonly repository: PushRepository,
    private readonly providers: PushProviders,
    private readonly metrics: PushMetrics,
    private readonly sessions: SessionsService,
  ) {}

  /** Logout, kick, a disabled account: the session's tokens go at once (expired ones at the next push). */
  onModuleInit(): void {
    this.sessions.onRevoked(async (sessionIds) => {
      const removed = await this.repository.remove((await this.repository.ofSessions(sessionIds)).map((d) => d.id));
      if (removed > 0) this.metrics.devicesRemoved.inc({ reason: 'session-ended' }, removed);
    });
  }

  async register(me: { userId: string; sessionId: string }, dto: PushRegisterRequest): Promise<string> {
    const provider = this.providers.get(dto.platform);
    if (!provider) {
      throw new ProtocolError('PLATFORM_NOT_CONFIGURED', `this server sends no ${dto.platform} pushes (configured: ${this.providers.platforms.join(', ') || 'none'})`, 400);
    }
    const problem = await provider.checkToken(dto.token);
    if (problem) throw fieldError('token', problem);
    const hash = tokenHash(dto.platform, dto.token);
    const mine = await this.repository.ofUser(me.userId);
    if (!mine.some((d) => d.tokenHash === hash) && mine.length >= DEVICES_PER_USER_MAX) {
      throw new ProtocolError('TOO_MANY_DEVICES', `at most ${DEVICES_PER_USER_MAX} push tokens per user; unregister one (push/unregister) or log out an old session`, 409);
    }
    return this.repository.register({
      id: `pd-${randomBytes(12).toString('hex')}`,
      userId: me.userId,
      sessionId: me.sessionId,
      platform: dto.platform,
      token: dto.token,
      tokenHash: hash,
      appId: dto.app_id ?? null,
      locale: dto.locale ?? null,
      createdAt: Date.now(),
    });
  }

  /** One of MY tokens (another user's answers like one that does not exist), or all of this session's. */
  async unregister(me: { userId: string; sessionId: string }, dto: PushUnregisterRequest): Promise<number> {
    let ids: string[];
    if (dto.token !== undefined) {
      const platforms = dto.platform ? [dto.platform] : PUSH_PLATFORMS;
      const found = await this.repository.findByTokenHash(me.userId, platforms.map((p) => tokenHash(p, dto.token!)));
      if (found.length === 0) throw notFound('push token like this registered by you');
      ids = found.map((d) => d.id);
    } else {
      ids = (await this.repository.ofSession(me.sessionId)).map((d) => d.id);
    }
    const removed = await this.repository.remove(ids);
    this.metrics.devicesRemoved.inc({ reason: 'unregister' }, removed);
    return removed;
  }

  async settings(userId: string, dto: PushSettingsRequest): Promise<PushSettingsResponse> {
    const current = (await this.repository.settingsOf([userId])).get(userId);
    let level = (current?.level ?? 'all') as PushLevel;
    let quiet = current && current.quietStart !== null ? { start: current.quietStart, end: current.quietEnd!, timeZone: current.timeZone! } : null;
    const changes = dto.level !== undefined || dto.quiet_hours !== undefined || dto.clear_quiet_hours === true;
    if (dto.level !== undefined) level = dto.level;
    if (dto.quiet_hours !== undefined && dto.clear_quiet_hours === true) throw fieldError('clear_quiet_hours', 'cannot be sent with quiet_hours');
    if (dto.clear_quiet_hours === true) quiet = null;
    else if (dto.quiet_hours !== undefined) {
      if (!isTimeZone(dto.quiet_hours.time_zone)) throw fieldError('quiet_hours.time_zone', 'must be an IANA time zone such as Europe/Paris or UTC');
      if (dto.quiet_hours.start === dto.quiet_hours.end) throw fieldError('quiet_hours.end', 'must differ from start (remove quiet hours with quiet_hours: null)');
      quiet = { start: toMinutes(dto.quiet_hours.start), end: toMinutes(dto.quiet_hours.end), timeZone: dto.quiet_hours.time_zone };
    }
    if (changes) {
      await this.repository.saveSettings({ userId, level, quietStart: quiet?.start ?? null, quietEnd: quiet?.end ?? null, timeZone: quiet?.timeZone ?? null, updatedAt: Date.now() });
    }
    return {
      status: 200,
      level,
      quiet_hours: quiet ? { start: toHhmm(quiet.start), end: toHhmm(quiet.end), time_zone: quiet.timeZone } : null,
    };
  }
}
