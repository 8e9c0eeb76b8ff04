import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThan, Repository } from 'typeorm';
import { isSqlite, runSerializedWrite } from '../../database/write-transaction';
import { isUniqueViolation } from '../auth';
import { IdentityEntity } from './entities/identity.entity';
import { UsedNonceEntity } from './entities/used-nonce.entity';

/** The identity module's tables: linked identities and used OIDC nonces. */
@Injectable()
export class IdentityRepository {
  private readonly identities: Repository<IdentityEntity>;
  private readonly nonces: Repository<UsedNonceEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.identities = dataSource.getRepository(IdentityEntity);
    this.nonces = dataSource.getRepository(UsedNonceEntity);
  }

  /** On SQLite a bare write could land inside another request's transaction: through the write queue. */
  private write<T>(fn: () => Promise<T>): Promise<T> {
    return isSqlite(this.dataSource) ? runSerializedWrite(this.dataSource, fn) : fn();
  }

  find(provider: string, subject: string): Promise<IdentityEntity | null> {
    return this.identities.findOneBy({ provider, subject });
  }

  forUser(userId: string): Promise<IdentityEntity[]> {
    return this.identities.findBy({ userId });
  }

  /** Inserts; false when (provider, subject) is already linked (a concurrent first login won). */
  async insert(identity: IdentityEntity): Promise<boolean> {
    try {
      await this.write(() => this.identities.insert(identity));
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async update(provider: string, subject: string, changes: Partial<Pick<IdentityEntity, 'externalUsername' | 'email' | 'lastLoginAt' | 'disabledAt'>>): Promise<void> {
    await this.write(() => this.identities.update({ provider, subject }, changes));
  }

  /** Records a nonce as used until `expiresAt`; false when it already was (a replay). */
  async useNonce(nonceHash: string, expiresAt: number): Promise<boolean> {
    // Pre-check: a replay is the common way to get here twice; the primary key decides races.
    if (await this.nonces.existsBy({ nonceHash })) return false;
    try {
      await this.write(() => this.nonces.insert({ nonceHash, expiresAt }));
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async deleteExpiredNonces(now: number): Promise<void> {
    await this.write(() => this.nonces.delete({ expiresAt: LessThan(now) }));
  }
}
