/**
 * The upload lease: who may append to a transfer's partial file, across nodes.
 *
 * Several nodes share one database and one FILE_STORAGE_DIR, so a client may open an upload's
 * data connection on any node (a resume after its node died, a balancer that picks another node).
 * Two connections appending to the same partial file would interleave their bytes and the running
 * hash of each would no longer describe the file. Within one process the transfer's lane
 * (transfer-links.ts) serialises them; across processes the claim is a compare-and-set on the
 * transfer row:
 *
 *   UPDATE file_transfers SET lease_owner = <node>/<connection>, lease_until = now + FILE_LEASE_MS
 *    WHERE id = ? AND state = 'active'
 *      AND (lease_owner IS NULL OR lease_until < now OR lease_owner LIKE '<node>/%')
 *
 * (the same node may take over from its own older connection: the lane already settled it). The
 * holder appends only while less than a third of the lease has passed since it last renewed; past
 * that it renews (the same UPDATE, conditional on still being the owner) before the next append, and
 * stops with TRANSFER_SUPERSEDED if it lost the row. Another node can claim only after lease_until,
 * i.e. at least two thirds of FILE_LEASE_MS after the holder's last possible append started: the
 * margin for clock skew between nodes and an append in progress. Durable offsets are stored only by
 * the holder, so an old connection can never move the offset of a transfer someone else continues.
 * A node killed mid-upload leaves its lease to run out: a resume elsewhere meanwhile is answered
 * TRANSFER_BUSY with `retry_after_ms`. A connection that closes normally releases it at once, and
 * a node shutting down (SIGTERM drain, app.close) stops its appends, waits for the ones in
 * progress and releases all its leases while its database is still there.
 *
 * The queries live here rather than in FileRepository: they are the lease's whole protocol.
 */
import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Brackets, DataSource, Repository } from 'typeorm';
import { InjectConfig } from '../../config/config.util';
import { ProtocolError } from '../../shared/protocol';
import { FileTransferEntity } from './entities/file-transfer.entity';
import { FileConfig, fileConfig } from './file.config';

/** A lease this process holds for one data connection. */
export interface HeldLease {
  readonly transferId: string;
  readonly owner: string;
  /** Epoch ms (own clock) from which the lease is renewed before the next append. */
  renewAt: number;
}

@Injectable()
export class TransferLease implements BeforeApplicationShutdown {
  /** This process, in lease owners (no `%`/`_`: it is matched with LIKE). */
  readonly node = `n${process.pid.toString(36)}-${randomBytes(6).toString('hex')}`;
  private readonly transfers: Repository<FileTransferEntity>;
  private stopping = false;
  /** Appends in progress (write()), so a shutdown releases the leases only once none is. */
  private writing = 0;
  private idle?: () => void;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    @InjectConfig(fileConfig) private readonly config: FileConfig,
  ) {
    this.transfers = dataSource.getRepository(FileTransferEntity);
  }

  /**
   * Claims an active upload for one data connection. Throws TRANSFER_BUSY (+ retry_after_ms) while
   * a connection on another node holds it, TRANSFER_CLOSED when it is no longer active.
   */
  async claim(transferId: string, connectionId: string): Promise<HeldLease> {
    const owner = `${this.node}/${connectionId}`;
    const now = Date.now();
    const result = await this.transfers
      .createQueryBuilder()
      .update()
      .set({ leaseOwner: owner, leaseUntil: now + this.config.leaseMs, updatedAt: now })
      .where('id = :id AND state = :state', { id: transferId, state: 'active' })
      .andWhere(
        new Brackets((q) => {
          q.where('lease_owner IS NULL').orWhere('lease_until < :now', { now }).orWhere('lease_owner LIKE :mine', { mine: `${this.node}/%` });
        }),
      )
      .execute();
    if ((result.affected ?? 0) > 0) return { transferId, owner, renewAt: now + this.config.leaseMs / 3 };
    const row = await this.transfers.findOneBy({ id: transferId });
    if (!row || row.state !== 'active') throw new ProtocolError('TRANSFER_CLOSED', `transfer ${transferId} has ended (${row?.state ?? 'unknown'}); request a new one`);
    const retryAfter = Math.max(100, (row.leaseUntil ?? now) - now + 100);
    throw new ProtocolError(
      'TRANSFER_BUSY',
      `another data connection (on another server node) is uploading transfer ${transferId}; close it, or retry after ${retryAfter} ms (its lease runs out then if it is gone)`,
      undefined,
      { retry_after_ms: retryAfter },
    );
  }

  /** An append under the lease: held (renewed when due) first, counted while it runs. */
  async write(lease: HeldLease, append: () => Promise<void>): Promise<void> {
    await this.hold(lease);
    this.writing++;
    try {
      await append();
    } finally {
      if (--this.writing === 0) this.idle?.();
    }
  }

  /** Before an append: renews the lease once a third of it has passed; throws when it was lost. */
  async hold(lease: HeldLease, force = false): Promise<void> {
    if (this.stopping) {
      throw new ProtocolError('SERVER_DRAINING', `this server node is shutting down; resume transfer ${lease.transferId} (file/request with resume) on another one`, undefined, { retry_after_ms: 1000 });
    }
    if (!force && Date.now() < lease.renewAt) return;
    if (!(await this.renew(lease))) throw superseded(lease.transferId);
  }

  /** Stores a durable offset (and renews) only while this lease still holds the transfer. */
  async saveOffset(lease: HeldLease, offset: number): Promise<boolean> {
    return this.renew(lease, { offset });
  }

  /** Gives the transfer up (the connection closed): another node may claim it at once. */
  async release(lease: HeldLease): Promise<void> {
    await this.transfers.update({ id: lease.transferId, leaseOwner: lease.owner }, { leaseOwner: null, leaseUntil: null });
  }

  /** Shutdown: no more appends here; once the running ones are done, every lease of this node is given up. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.writing > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    await this.transfers
      .createQueryBuilder()
      .update()
      .set({ leaseOwner: null, leaseUntil: null })
      .where('lease_owner LIKE :mine', { mine: `${this.node}/%` })
      .execute()
      // The database may be the reason for the shutdown: then the leases simply run out.
      .catch(() => undefined);
  }

  private async renew(lease: HeldLease, changes: Partial<FileTransferEntity> = {}): Promise<boolean> {
    const now = Date.now();
    const result = await this.transfers.update(
      { id: lease.transferId, state: 'active', leaseOwner: lease.owner },
      { ...changes, leaseUntil: now + this.config.leaseMs, updatedAt: now },
    );
    if ((result.affected ?? 0) === 0) return false;
    lease.renewAt = now + this.config.leaseMs / 3;
    return true;
  }
}

function superseded(transferId: string): ProtocolError {
  return new ProtocolError('TRANSFER_SUPERSEDED', `another data connection took over transfer ${transferId} (after this one's lease ran out); resume from the last ACK on one connection`);
}
