/**
 * Every entity, listed explicitly (no globs: the same list works from jest, the CLI and dist).
 * A feature module adds its entities here and a migration under ./migrations.
 */
import { ConversationMemberEntity } from '../modules/message/entities/conversation-member.entity';
import { ConversationEntity } from '../modules/message/entities/conversation.entity';
import { MessageEntity } from '../modules/message/entities/message.entity';

export const ENTITIES: Function[] = [ConversationEntity, ConversationMemberEntity, MessageEntity];
