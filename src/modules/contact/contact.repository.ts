/**
 * Data access for contacts and blocks. Relations are stored one row per side (see
 * ContactEntity); every change of a pair runs in one write transaction (queued on SQLite) that
 * reads both sides first, so the two rows never disagree.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { writeTransaction } from '../../database/write-transaction';
import { isUniqueViolation } from '../auth';
import { ContactBlockEntity } from './entities/contact-block.entity';
import { ContactEntity, ContactState } from './entities/contact.entity';

/** Both sides of a pair and the blocks between them, read inside the pair's transaction. */
export interface PairState {
  mine: ContactEntity | null;
  theirs: ContactEntity | null;
  /** I blocked them. */
  iBlocked: boolean;
  /** They blocked me. */
  theyBlocked: boolean;
}

/** The queries available inside a pair transaction. */
export class PairTx {
  constructor(
    readonly em: EntityManager,
    readonly me: string,
    readonly peer: string,
  ) {}

  async read(): Promise<PairState> {
    const [rows, blocks] = await Promise.all([
      this.em.find(ContactEntity, { where: [{ ownerId: this.me, peerId: this.peer }, { ownerId: this.peer, peerId: this.me }] }),
      this.em.find(ContactBlockEntity, { where: [{ blockerId: this.me, blockedId: this.peer }, { blockerId: this.peer, blockedId: this.me }] }),
    ]);
    return {
      mine: rows.find((r) => r.ownerId === this.me) ?? null,
      theirs: rows.find((r) => r.ownerId === this.peer) ?? null,
      iBlocked: blocks.some((b) => b.blockerId === this.me),
      theyBlocked: blocks.some((b) => b.blockerId === this.peer),
    };
  }

  /** Writes (insert or update) `owner`'s side of the pair. */
  async put(owner: string, peer: string, state: ContactState, note: string | null, now: number): Promise<void> {
    await this.em.upsert(ContactEntity, { ownerId: owner, peerId: peer, state, note, updatedAt: now }, ['ownerId', 'peerId']);
  }

  async drop(owner: string, peer: string): Promise<void> {
    await this.em.delete(ContactEntity, { ownerId: owner, peerId: peer });
  }

  async block(now: number): Promise<void> {
    await this.em.upsert(ContactBlockEntity, { blockerId: this.me, blockedId: this.peer, createdAt: now }, ['blockerId', 'blockedId']);
  }

  async unblock(): Promise<boolean> {
    const result = await this.em.delete(ContactBlockEntity, { blockerId: this.me, blockedId: this.peer });
    return (result.affected ?? 0) > 0;
  }

  countOutgoing(): Promise<number> {
    return this.em.countBy(ContactEntity, { ownerId: this.me, state: 'outgoing' });
  }
}

export interface ListRow {
  peerId: string;
  state: ContactState | 'blocked';
  note: string | null;
  since: number;
}

@Injectable()
export class ContactRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Runs `fn` in one transaction on the pair; a lost insert race (mutual requests) is retried once. */
  async inPair<T>(me: string, peer: string, fn: (tx: PairTx) => Promise<T>): Promise<T> {
    const run = () => writeTransaction(this.dataSource, (em) => fn(new PairTx(em, me, peer)));
    try {
      return await run();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      return run();
    }
  }

  /** My relations by peer id (keyset after `afterPeerId`), in one state or the three contact states. */
  async list(me: string, state: ContactState | 'blocked' | undefined, limit: number, afterPeerId?: string): Promise<ListRow[]> {
    if (state === 'blocked') {
      const qb = this.dataSource.getRepository(ContactBlockEntity).createQueryBuilder('b').where('b.blockerId = :me', { me });
      if (afterPeerId !== undefined) qb.andWhere('b.blockedId > :after', { after: afterPeerId });
      const rows = await qb.orderBy('b.blockedId', 'ASC').limit(limit).getMany();
      return rows.map((r) => ({ peerId: r.blockedId, state: 'blocked', note: null, since: r.createdAt }));
    }
    const qb = this.dataSource.getRepository(ContactEntity).createQueryBuilder('c').where('c.ownerId = :me', { me });
    if (state !== undefined) qb.andWhere('c.state = :state', { state });
    if (afterPeerId !== undefined) qb.andWhere('c.peerId > :after', { after: afterPeerId });
    const rows = await qb.orderBy('c.peerId', 'ASC').limit(limit).getMany();
    return rows.map((r) => ({ peerId: r.peerId, state: r.state, note: r.note, since: r.updatedAt }));
  }

  /** My relation to each of `peers`: contact state, or `blocked` when I blocked them. */
  async relations(me: string, peers: string[]): Promise<Map<string, ContactState | 'blocked'>> {
    const out = new Map<string, ContactState | 'blocked'>();
    if (peers.length === 0) return out;
    const [rows, blocks] = await Promise.all([
      this.dataSource.getRepository(ContactEntity).find({ where: { ownerId: me, peerId: In(peers) } }),
      this.dataSource.getRepository(ContactBlockEntity).find({ where: { blockerId: me, blockedId: In(peers) } }),
    ]);
    for (const r of rows) out.set(r.peerId, r.state);
    for (const b of blocks) out.set(b.blockedId, 'blocked');
    return out;
  }

  /** Which of `candidates` have a block with `userId`, either way. */
  async blockedEitherWay(userId: string, candidates: string[]): Promise<Set<string>> {
    if (candidates.length === 0) return new Set();
    const rows = await this.dataSource.getRepository(ContactBlockEntity).find({
      where: [
        { blockedId: userId, blockerId: In(candidates) },
        { blockerId: userId, blockedId: In(candidates) },
      ],
    });
    return new Set(rows.map((r) => (r.blockerId === userId ? r.blockedId : r.blockerId)));
  }

  /** The blocks involving `userId` (the message gate caches this per sender): who blocked them, whom they blocked. */
  async blocksOf(userId: string): Promise<{ blockers: string[]; blocked: string[] }> {
    const rows = await this.dataSource.getRepository(ContactBlockEntity).find({ where: [{ blockedId: userId }, { blockerId: userId }] });
    return {
      blockers: rows.filter((r) => r.blockedId === userId).map((r) => r.blockerId),
      blocked: rows.filter((r) => r.blockerId === userId).map((r) => r.blockedId),
    };
  }

  /**
   * Is `peer` absent to `me` (they blocked me and I hold nothing of my own about them: no
   * contact row of mine, no block of mine)? Then every contact command naming them answers as
   * for a user that does not exist.
   */
  async absentTo(me: string, peer: string): Promise<boolean> {
    const blocked = await this.dataSource.getRepository(ContactBlockEntity).exists({ where: { blockerId: peer, blockedId: me } });
    if (!blocked) return false;
    return (await this.relations(me, [peer])).size === 0;
  }

  /** Everyone `userId` has a contact row for, in any state (DIRECTORY_VISIBILITY=contacts). */
  async relatedPeers(userId: string): Promise<string[]> {
    const rows = await this.dataSource.getRepository(ContactEntity).find({ where: { ownerId: userId }, select: { peerId: true } });
    return rows.map((r) => r.peerId);
  }

  /** Accepted contacts of `userId`, by id, after `afterPeerId`, at most `limit` (presence audience). */
  async acceptedPeers(userId: string, options: { afterPeerId?: string; limit?: number; among?: string[] } = {}): Promise<string[]> {
    if (options.among && options.among.length === 0) return [];
    const qb = this.dataSource
      .getRepository(ContactEntity)
      .createQueryBuilder('c')
      .select('c.peerId', 'peer_id')
      .where('c.ownerId = :userId', { userId })
      .andWhere("c.state = 'accepted'");
    if (options.among) qb.andWhere('c.peerId IN (:...among)', { among: options.among });
    if (options.afterPeerId !== undefined) qb.andWhere('c.peerId > :after', { after: options.afterPeerId });
    qb.orderBy('c.peerId', 'ASC');
    if (options.limit !== undefined) qb.limit(options.limit);
    const rows = await qb.getRawMany<{ peer_id: string }>();
    return rows.map((r) => r.peer_id);
  }

  async anyBlocks(): Promise<boolean> {
    return (await this.dataSource.getRepository(ContactBlockEntity).find({ select: { blockerId: true }, take: 1 })).length > 0;
  }
}
