/** Devices and preferences: queries on push_devices and push_settings. */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { writeTransaction } from '../../database/write-transaction';
import { PushDeviceEntity } from './entities/push-device.entity';
import { PushOutboxEntity } from './entities/push-outbox.entity';
import { PushSettingEntity } from './entities/push-setting.entity';

export type PushDevice = PushDeviceEntity;
export type PushSettings = PushSettingEntity;

/** Users per IN (...) list. */
const CHUNK = 500;

@Injectable()
export class PushRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Stores the device, or moves an existing token (same platform and token) to this session. */
  async register(device: PushDevice): Promise<string> {
    return writeTransaction(this.dataSource, async (em) => {
      const existing = await em.findOne(PushDeviceEntity, { where: { tokenHash: device.tokenHash } });
      if (existing) {
        if (existing.userId !== device.userId) await em.delete(PushOutboxEntity, { deviceId: existing.id });
        await em.update(PushDeviceEntity, { id: existing.id }, { userId: device.userId, sessionId: device.sessionId, appId: device.appId, locale: device.locale });
        return existing.id;
      }
      await em.insert(PushDeviceEntity, device);
      return device.id;
    });
  }

  /** Removes devices (and their outbox rows); returns how many devices there were. */
  async remove(ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return writeTransaction(this.dataSource, async (em) => {
      await em.delete(PushOutboxEntity, { deviceId: In(ids) });
      return (await em.delete(PushDeviceEntity, { id: In(ids) })).affected ?? 0;
    });
  }

  findByTokenHash(userId: string, hashes: string[]): Promise<PushDevice[]> {
    return this.dataSource.getRepository(PushDeviceEntity).find({ where: { userId, tokenHash: In(hashes) } });
  }

  ofSession(sessionId: string): Promise<PushDevice[]> {
    return this.dataSource.getRepository(PushDeviceEntity).find({ where: { sessionId } });
  }

  ofSessions(sessionIds: string[]): Promise<PushDevice[]> {
    return sessionIds.length === 0 ? Promise.resolve([]) : this.dataSource.getRepository(PushDeviceEntity).find({ where: { sessionId: In(sessionIds) } });
  }

  ofUser(userId: string): Promise<PushDevice[]> {
    return this.dataSource.getRepository(PushDeviceEntity).find({ where: { userId } });
  }

  byIds(ids: string[]): Promise<PushDevice[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.dataSource.getRepository(PushDeviceEntity).find({ where: { id: In(ids) } });
  }

  /** Devices of these users (only id, user and platform: enough to queue). */
  async devicesOf(userIds: string[]): Promise<Pick<PushDevice, 'id' | 'userId' | 'platform'>[]> {
    const out: Pick<PushDevice, 'id' | 'userId' | 'platform'>[] = [];
    for (let i = 0; i < userIds.length; i += CHUNK) {
      const rows = await this.dataSource.getRepository(PushDeviceEntity).find({
        select: { id: true, userId: true, platform: true },
        where: { userId: In(userIds.slice(i, i + CHUNK)) },
      });
      out.push(...rows);
    }
    return out;
  }

  async settingsOf(userIds: string[]): Promise<Map<string, PushSettings>> {
    const out = new Map<string, PushSettings>();
    for (let i = 0; i < userIds.length; i += CHUNK) {
      for (const row of await this.dataSource.getRepository(PushSettingEntity).find({ where: { userId: In(userIds.slice(i, i + CHUNK)) } })) out.set(row.userId, row);
    }
    return out;
  }

  async saveSettings(settings: PushSettings): Promise<void> {
    await this.dataSource.getRepository(PushSettingEntity).upsert(settings, ['userId']);
  }
}
