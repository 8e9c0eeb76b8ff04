/** Every query on file_direct_transfers (direct, mode "active", transfers). */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull, LessThan, Repository } from 'typeorm';
import { DirectTransferState, FileDirectTransferEntity } from './entities/file-direct-transfer.entity';

@Injectable()
export class DirectTransferRepository {
  private readonly rows: Repository<FileDirectTransferEntity>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.rows = dataSource.getRepository(FileDirectTransferEntity);
  }

  insert(row: FileDirectTransferEntity): Promise<unknown> {
    return this.rows.insert(row);
  }

  find(id: string): Promise<FileDirectTransferEntity | null> {
    return this.rows.findOneBy({ id });
  }

  /** Records one side's completion once (compare-and-set on the column being null). */
  async markDone(id: string, side: 'sender' | 'recipient', at: number): Promise<void> {
    const column = side === 'sender' ? 'senderDoneAt' : 'recipientDoneAt';
    await this.rows.update({ id, state: 'offered', [column]: IsNull() }, { [column]: at, updatedAt: at });
  }

  /** Offers nobody finished or cancelled, untouched since `before` (ms). */
  staleOffers(before: number, limit = 100): Promise<FileDirectTransferEntity[]> {
    return this.rows.find({ where: { state: 'offered', updatedAt: LessThan(before) }, take: limit });
  }

  /** Changes the state only from `from`: two racing calls change it once. Returns whether this one did. */
  async transition(id: string, from: DirectTransferState, to: DirectTransferState, at: number): Promise<boolean> {
    const result = await this.rows.update({ id, state: from }, { state: to, updatedAt: at });
    return (result.affected ?? 0) > 0;
  }
}
