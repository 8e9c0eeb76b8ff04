/**
 * Who may see a file. A finished upload is shared into its target conversation as a `file-ref`
 * message (stored and pushed by the message module like any message); a file named by a `voice`
 * message or an attachment is shared into that message's conversation. Members of a conversation
 * it was shared in, and its uploader, may download it; anyone else gets the same 403 as for an
 * unknown file id (ids cannot be probed).
 */
import { Injectable, Logger } from '@nestjs/common';
import { ProtocolError } from '../../shared/protocol';
import { UsersService } from '../auth';
import { ContactGate } from '../contact';
import { ConversationRepository } from '../conversation';
import { directConversationId, MessageService } from '../message';
import type { FileTransferEntity } from './entities/file-transfer.entity';
import type { StoredFileEntity } from './entities/stored-file.entity';
import { FileRepository } from './file.repository';

export interface FileTarget {
  type: 'user' | 'group';
  id: string;
}

export function fileForbidden(fileId: string): ProtocolError {
  return new ProtocolError('FORBIDDEN', `file ${fileId} does not exist or you may not access it`, 403);
}

@Injectable()
export class FileSharingService {
  private readonly logger = new Logger('FileSharing');

  constructor(
    private readonly repository: FileRepository,
    private readonly messages: MessageService,
    private readonly users: UsersService,
    private readonly gate: ContactGate,
    private readonly conversations: ConversationRepository,
  ) {}

  /** The conversation a target means for this sender. */
  conversationOf(senderId: string, target: FileTarget): string {
    return target.type === 'group' ? target.id : directConversationId(senderId, target.id);
  }

  /** Checked at file/request, so an upload is not accepted for a recipient it can never reach. */
  async assertTarget(senderId: string, target: FileTarget): Promise<void> {
    if (target.type === 'user') {
      if (target.id === senderId) throw new ProtocolError('VALIDATION_FAILED', 'target.id must be another user (or a group)', 400);
      if ((await this.users.exists([target.id])).length === 0) throw new ProtocolError('USER_NOT_FOUND', `user ${target.id} does not exist`);
      // The same gate as message/send (blocks, DIRECT_MESSAGE_POLICY): to a user who blocked the
      // sender this answers word for word as for an unknown id (docs/protocol.md "Blocking").
      const refusal = this.gate.checkDirect(senderId, target.id);
      if (refusal) await refusal;
      return;
    }
    if (!(await this.conversations.findMembership(target.id, senderId))) {
      throw new ProtocolError('NOT_A_MEMBER', `you are not a member of group ${target.id} (or it does not exist)`);
    }
  }

  /** The uploader, or a member of a conversation the file was shared in. */
  async mayAccess(file: StoredFileEntity, userId: string): Promise<boolean> {
    if (file.uploaderId === userId) return true;
    return this.conversations.isMemberOfAny(userId, await this.repository.sharedIn(file.id));
  }

  /**
   * Does the user already hold content with this sha256: a file of theirs, or one shared in a
   * conversation they are in? Instant upload is offered only then (#18.2): whoever merely knows a
   * hash learns nothing and gets nothing. The same queries run whatever the answer (the
   * membership one included), so a stranger's timing does not tell whether the content exists.
   */
  async mayReadContent(sha256: string, userId: string): Promise<boolean> {
    const { uploadedByUser, sharedIn } = await this.repository.contentHolders(sha256, userId);
    const member = await this.conversations.isMemberOfAny(userId, sharedIn.length > 0 ? sharedIn : ['']);
    return uploadedByUser || member;
  }

  /** A file the user may download (or share further), or 403. */
  async accessible(fileId: string, userId: string): Promise<StoredFileEntity> {
    const file = await this.repository.findFile(fileId);
    if (!file || !(await this.mayAccess(file, userId))) throw fileForbidden(fileId);
    return file;
  }

  /**
   * Shares a finished upload: the share row first (recipients may download as soon as they see
   * the message), then the file-ref message. The request id `file-<transfer_id>` makes a retry
   * (e.g. after a restart) answer from storage instead of storing a second message.
   */
  async shareUpload(transfer: FileTransferEntity, file: StoredFileEntity): Promise<boolean> {
    if (!transfer.targetType || !transfer.targetId) return false;
    const target: FileTarget = { type: transfer.targetType, id: transfer.targetId };
    await this.repository.addShare(file.id, this.conversationOf(transfer.userId, target));
    const content: Record<string, unknown> = { type: 'file-ref', file_id: file.id, name: file.name, size: file.size, hash: `sha256:${file.sha256}` };
    if (file.mime) content.mime = file.mime;
    try {
      await this.messages.send({ senderId: transfer.userId, connectionId: '', requestId: `file-${transfer.id}` }, { target, content } as never);
      return true;
    } catch (err) {
      // The file stays the uploader's (and is reported finished); only the message failed, e.g.
      // the uploader left the group meanwhile.
      this.logger.warn(`file ${file.id}: file-ref message to ${target.type} ${target.id} not sent: ${(err as Error).message}`);
      return false;
    }
  }

  /** message/send naming files (voice, file-ref, attachments): each must be one the sender may share. */
  async shareInMessage(senderId: string, fileIds: string[], conversationId: string): Promise<void> {
    for (const fileId of fileIds) {
      const file = await this.repository.findFile(fileId);
      if (!file || !(await this.mayAccess(file, senderId))) {
        throw new ProtocolError('FORBIDDEN', `file ${fileId} does not exist or you may not share it; upload it first (file/request)`, 403);
      }
      await this.repository.addShare(file.id, conversationId);
    }
  }
}
