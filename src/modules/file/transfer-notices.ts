/**
 * "Transfer X ended" for the other nodes. FileService.end() closes the transfer's data connection
 * when this node carries it (TransferLinks); with several nodes the connection may be on another
 * one (any node serves any transfer). The notice travels on the event bus (Redis Streams when
 * REDIS_URL is set) to every node, and each one closes its own link with the same CANCEL frame.
 *
 * It is a bus event addressed to no connection: the transport delivers it to nobody, only the
 * listener below acts on it. Without Redis the in-process bus makes it a no-op (the local close
 * already happened).
 */
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { TlvType } from '../../shared/protocol';
import { EventBus } from '../../transport/event-bus';
import { TransferLinks } from './transfer-links';

/** Internal bus command (never sent to a client: the event has no recipients). */
const TRANSFER_ENDED = 'internal/file-transfer-ended';

export interface TransferEndedNotice {
  transfer_id: string;
  reason: string;
  status: number;
}

@Injectable()
export class TransferNotices implements OnModuleInit {
  private readonly logger = new Logger('TransferNotices');

  constructor(
    private readonly bus: EventBus,
    private readonly links: TransferLinks,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe((message) => {
      if (message.kind !== 'event' || message.command !== TRANSFER_ENDED) return;
      const notice = message.payload as unknown as TransferEndedNotice;
      this.links.get(notice.transfer_id)?.close(TlvType.CANCEL, { ...notice });
    });
  }

  /** Tells every node (this one included) to close the transfer's data connection if it has it. */
  async ended(notice: TransferEndedNotice): Promise<void> {
    // Here at once, whatever the bus does (the listener's repeat of it is a no-op).
    this.links.get(notice.transfer_id)?.close(TlvType.CANCEL, { ...notice });
    try {
      await this.bus.publish({ kind: 'event', target: { connections: [] }, command: TRANSFER_ENDED, payload: { ...notice } });
    } catch (err) {
      // The transfer has ended in the database either way: a data connection elsewhere then
      // stops at its next durable step (upload: its next offset write; download: its next ACK write).
      this.logger.warn(`transfer ${notice.transfer_id}: could not tell the other nodes it ended: ${(err as Error).message}`);
    }
  }
}
