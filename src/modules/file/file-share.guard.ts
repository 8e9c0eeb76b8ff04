/**
 * message/send may name files (a `voice` or `file-ref` content, `attachments[].file_id`): each
 * must be a finished file the sender may share (its uploader, or a member of a conversation it
 * was shared in). Passing the check shares the file into the message's conversation, so its
 * recipients may download it. A global guard, so the message module's write path is untouched;
 * it runs after the token guard (AuthModule registers first) and ignores every other command.
 */
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { MessageCommands, normalizeCommand } from '../../shared/protocol';
import type { SwitchboardContext } from '../../transport/switchboard.context';
import { FileSharingService, FileTarget } from './file-sharing.service';

const FILE_CONTENT_TYPES = new Set(['voice', 'file-ref']);
const MAX_FILES_CHECKED = 100;

@Injectable()
export class FileShareGuard implements CanActivate {
  constructor(private readonly sharing: FileSharingService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'rpc') return true;
    const ctx = context.switchToRpc().getContext<SwitchboardContext>();
    if (normalizeCommand(ctx.command) !== MessageCommands.SEND.name || !ctx.userId) return true;
    const payload = context.switchToRpc().getData<Record<string, unknown>>();
    const fileIds = referencedFiles(payload);
    if (fileIds.length === 0) return true;
    const target = payload.target as FileTarget | undefined;
    await this.sharing.shareInMessage(ctx.userId, fileIds, typeof target === 'object' && target !== null && !Array.isArray(target) ? target : undefined);
    return true;
  }
}

/** file_ids named by a message payload (malformed shapes are left to the validation pipe). */
export function referencedFiles(payload: Record<string, unknown> | undefined): string[] {
  if (!payload || typeof payload !== 'object') return [];
  const ids = new Set<string>();
  const content = payload.content as Record<string, unknown> | undefined;
  if (content && typeof content === 'object' && FILE_CONTENT_TYPES.has(content.type as string) && typeof content.file_id === 'string') {
    ids.add(content.file_id);
  }
  if (Array.isArray(payload.attachments)) {
    for (const a of payload.attachments.slice(0, MAX_FILES_CHECKED)) {
      if (a && typeof a === 'object' && typeof (a as { file_id?: unknown }).file_id === 'string') ids.add((a as { file_id: string }).file_id);
    }
  }
  return [...ids];
}
