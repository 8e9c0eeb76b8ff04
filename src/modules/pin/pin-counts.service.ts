/** Port for other modules (the inbox's conversation/list): how many pins each conversation has. */
import { Injectable } from '@nestjs/common';
import { PinRepository } from './pin.repository';

@Injectable()
export class PinCounts {
  constructor(private readonly repository: PinRepository) {}

  /** Pins per conversation; 0 for a conversation without any. */
  async of(conversationIds: string[]): Promise<Map<string, number>> {
    const found = await this.repository.counts(conversationIds);
    return new Map(conversationIds.map((id) => [id, found.get(id) ?? 0]));
  }
}
