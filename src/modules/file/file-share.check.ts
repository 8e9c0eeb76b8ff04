/**
 * message/send may name files (a `voice` or `file-ref` content, `attachments[].file_id`): each
 * must be a finished file the sender may share (its uploader, or a member of a conversation it
 * was shared in). Passing the check shares the file into the message's conversation, so its
 * recipients may download it.
 *
 * Registered with the message module's MessageSendChecks (not a global guard): it runs after the
 * payload passed validation and the target was resolved, so a malformed send is answered 400
 * first, the share goes to the conversation the message really goes to, and the message module
 * never imports this one.
 */
import { Injectable, OnModuleInit } from '@nestjs/common';
import { MessageSendChecks, SendCheckContext } from '../message';
import { FileSharingService } from './file-sharing.service';

const FILE_CONTENT_TYPES = new Set(['voice', 'file-ref']);

@Injectable()
export class FileShareCheck implements OnModuleInit {
  constructor(
    private readonly checks: MessageSendChecks,
    private readonly sharing: FileSharingService,
  ) {}

  onModuleInit(): void {
    this.checks.register((ctx) => this.check(ctx));
  }

  /** Synchronous undefined for a message that names no file (most sends). */
  private check({ senderId, conversationId, dto }: SendCheckContext): Promise<void> | undefined {
    const fileIds = referencedFiles(dto);
    return fileIds.length > 0 ? this.sharing.shareInMessage(senderId, fileIds, conversationId) : undefined;
  }
}

/** file_ids named by a (validated) message payload, each once. */
export function referencedFiles(dto: SendCheckContext['dto']): string[] {
  const ids = new Set<string>();
  const content = dto.content as unknown as Record<string, unknown>;
  if (FILE_CONTENT_TYPES.has(content.type as string) && typeof content.file_id === 'string') ids.add(content.file_id);
  for (const a of dto.attachments ?? []) {
    const fileId = (a as { file_id?: unknown }).file_id;
    if (typeof fileId === 'string') ids.add(fileId);
  }
  return [...ids];
}
