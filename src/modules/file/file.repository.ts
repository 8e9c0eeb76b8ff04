/** Every query of the file module. */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, LessThan, Repository } from 'typeorm';
import { writeTransaction } from '../../database/write-transaction';
import { FileShareEntity } from './entities/file-share.entity';
import { FileTransferEntity, OPEN_STATES, TransferState } from './entities/file-transfer.entity';
import { FileUserLockEntity } from './entities/file-user-lock.entity';
import { StoredFileEntity } from './entities/stored-file.entity';

@Injectable()
export class FileRepository {
  private readonly files: Repository<StoredFileEntity>;
  private readonly transfers: Repository<FileTransferEntity>;
  private readonly shares: Repository<FileShareEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.files = dataSource.getRepository(StoredFileEntity);
    this.transfers = dataSource.getRepository(FileTransferEntity);
    this.shares = dataSource.getRepository(FileShareEntity);
  }

  findTransfer(id: string): Promise<FileTransferEntity | null> {
    return this.transfers.findOneBy({ id });
  }

  /**
   * Changes a transfer only while it is in one of `from` (compare-and-set): a cancel racing a
   * completion or an expiry changes it once. Returns whether this call changed it.
   */
  async transition(id: string, from: TransferState[], changes: Partial<FileTransferEntity>): Promise<boolean> {
    const result = await this.transfers.update({ id, state: In(from) }, { ...changes, updatedAt: Date.now() });
    return (result.affected ?? 0) > 0;
  }

  /** Records durable progress of an open transfer. */
  async saveOffset(id: string, offset: number): Promise<boolean> {
    return this.transition(id, ['active'], { offset });
  }

  /**
   * Runs `fn` in one transaction holding the user's lock row (#18.8): quota and slot decisions
   * (count, then insert or promote) of one user are serialised across every node, so two
   * simultaneous requests on two nodes cannot both take the same free bytes or the last slot.
   * Taking the lock is a write: the row lock (PostgreSQL) or the write lock (SQLite) is held until
   * the commit, and the reads after it see everything committed before.
   */
  underUserLock<T>(userId: string, fn: (tx: FileUserTx) => Promise<T>): Promise<T> {
    return writeTransaction(this.dataSource, async (em) => {
      const now = Date.now();
      await em.createQueryBuilder().insert().into(FileUserLockEntity).values({ userId, lockedAt: now }).orIgnore().execute();
      await em.update(FileUserLockEntity, { userId }, { lockedAt: now });
      return fn(new FileUserTx(em, userId));
    });
  }

  /** Bytes the open uploads of everyone still have to write (their space is as good as taken). */
  async pendingUploadBytes(): Promise<number> {
    const row = await this.transfers
      .createQueryBuilder('t')
      .select('COALESCE(SUM(t.file_size - t.durable_offset), 0)', 'pending')
      .where('t.direction = :direction AND t.state IN (:...states)', { direction: 'upload', states: OPEN_STATES })
      .getRawOne<{ pending: string | number }>();
    return Number(row?.pending ?? 0);
  }

  /** Open transfers with no progress since `before` (ms). */
  staleTransfers(before: number, limit = 100): Promise<FileTransferEntity[]> {
    return this.transfers.find({ where: { state: In(OPEN_STATES), updatedAt: LessThan(before) }, take: limit });
  }

  /** Is any open upload writing this transfer's partial data? (ids of all open uploads) */
  async openUploadIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.transfers.find({ select: { id: true }, where: { id: In(ids), direction: 'upload', state: In(OPEN_STATES) } });
    return new Set(rows.map((r) => r.id));
  }

  /**
   * A verified upload becomes a file in one transaction: the file row and the transfer marked
   * complete, or neither (the transfer was no longer in one of `from`: false). A retry after a
   * crash (#18.7) can therefore never leave two files for one upload.
   */
  completeUpload(file: StoredFileEntity, transfer: FileTransferEntity, from: TransferState[]): Promise<boolean> {
    return writeTransaction(this.dataSource, (em) => completeIn(em, file, transfer, from));
  }

  findFile(id: string): Promise<StoredFileEntity | null> {
    return this.files.findOneBy({ id });
  }

  /**
   * What instant upload needs to know about content with this sha256 (#18.2): whether `userId`
   * uploaded a file of it, and the conversations files of it were shared in (their membership is
   * the conversation module's to check, FileSharingService.mayReadContent).
   */
  async contentHolders(sha256: string, userId: string): Promise<{ uploadedByUser: boolean; sharedIn: string[] }> {
    const [own, shared] = await Promise.all([
      this.files.createQueryBuilder('f').select('f.id', 'id').where('f.sha256 = :sha256 AND f.uploader_id = :userId', { sha256, userId }).limit(1).getRawOne<{ id: string }>(),
      this.shares
        .createQueryBuilder('s')
        .innerJoin(StoredFileEntity, 'f', 'f.id = s.file_id')
        .select('DISTINCT s.conversation_id', 'cid')
        .where('f.sha256 = :sha256', { sha256 })
        .getRawMany<{ cid: string }>(),
    ]);
    return { uploadedByUser: own !== undefined, sharedIn: shared.map((r) => r.cid) };
  }

  /** The conversations a file was shared in. */
  async sharedIn(fileId: string): Promise<string[]> {
    const rows = await this.shares.find({ where: { fileId }, select: { conversationId: true } });
    return rows.map((r) => r.conversationId);
  }

  async addShare(fileId: string, conversationId: string): Promise<void> {
    await this.shares.createQueryBuilder().insert().values({ fileId, conversationId, sharedAt: Date.now() }).orIgnore().execute();
  }

  /** A recalled message named these files: the conversation's members lose access (the uploader keeps it). */
  async removeShares(fileIds: string[], conversationId: string): Promise<void> {
    if (fileIds.length === 0) return;
    await this.shares.createQueryBuilder().delete().where('file_id IN (:...fileIds) AND conversation_id = :conversationId', { fileIds, conversationId }).execute();
  }
}

/** What a request may read and write while it holds its user's lock (FileRepository.underUserLock). */
export class FileUserTx {
  constructor(
    private readonly em: EntityManager,
    readonly userId: string,
  ) {}

  countActive(): Promise<number> {
    return this.em.countBy(FileTransferEntity, { userId: this.userId, state: 'active' });
  }

  oldestQueued(): Promise<FileTransferEntity | null> {
    return this.em.findOne(FileTransferEntity, { where: { userId: this.userId, state: 'queued' }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Bytes counted against the quota: finished uploads plus open uploads at their full size. */
  async quotaUsed(): Promise<number> {
    const stored = await this.em.sum(StoredFileEntity, 'size', { uploaderId: this.userId });
    const open = await this.em.sum(FileTransferEntity, 'fileSize', { userId: this.userId, direction: 'upload', state: In(OPEN_STATES) });
    return Number(stored ?? 0) + Number(open ?? 0);
  }

  async insertTransfer(transfer: FileTransferEntity): Promise<void> {
    await this.em.insert(FileTransferEntity, transfer);
  }

  async promote(id: string): Promise<boolean> {
    const result = await this.em.update(FileTransferEntity, { id, state: 'queued' }, { state: 'active', updatedAt: Date.now() });
    return (result.affected ?? 0) > 0;
  }

  /** An instant upload: the finished transfer and its file, in this transaction. */
  async completeNew(file: StoredFileEntity, transfer: FileTransferEntity): Promise<void> {
    await completeIn(this.em, file, transfer, 'new');
  }
}

async function completeIn(em: EntityManager, file: StoredFileEntity, transfer: FileTransferEntity, from: TransferState[] | 'new'): Promise<boolean> {
  const changes = { state: 'complete' as const, fileId: file.id, offset: transfer.fileSize, updatedAt: Date.now() };
  if (from === 'new') {
    await em.insert(FileTransferEntity, { ...transfer, ...changes });
  } else {
    const result = await em.update(FileTransferEntity, { id: transfer.id, state: In(from) }, changes);
    if ((result.affected ?? 0) === 0) return false;
  }
  await em.insert(StoredFileEntity, file);
  return true;
}
