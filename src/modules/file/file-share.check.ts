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
 *
 * Recall (MessageRecallHooks): the files a recalled message named are no longer shared in its
 * conversation — its members cannot download them any more (a leaked document is gone with the
 * message). The file itself stays its uploader's (their quota, their other shares). Another
 * message of the same conversation naming the same file loses it too: send it again.
 */
import { Injectable, OnModuleInit } from '@nestjs/common';
import { MessageRecallHooks, MessageSendChecks, SendCheckContext } from '../message';
import { FileRepository } from './file.repository';
import { FileSharingService } from './file-sharing.service';

const FILE_CONTENT_TYPES = new Set(['voice', 'file-ref']);

@Injectable()
export class FileShareCheck implements OnModuleInit {
  constructor(
    private readonly checks: MessageSendChecks,
    private readonly sharing: FileSharingService,
    private readonly recallHooks: MessageRecallHooks,
    private readonly files: FileRepository,
  ) {}

  onModuleInit(): void {
    this.checks.register((ctx) => this.check(ctx));
    this.recallHooks.register((m) => this.files.removeShares(referencedFiles({ content: m.content, attachments: m.attachments } as never), m.conversationId));
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
