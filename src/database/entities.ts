/**
 * Every entity, listed explicitly (no globs: the same list works from jest, the CLI and dist).
 * A feature module adds its entities here and a migration under ./migrations.
 */
import { RetiredRefreshTokenEntity } from '../modules/auth/entities/retired-refresh-token.entity';
import { SessionEntity } from '../modules/auth/entities/session.entity';
import { UserEntity } from '../modules/auth/entities/user.entity';
import { ConversationMemberEntity } from '../modules/message/entities/conversation-member.entity';
import { ConversationEntity } from '../modules/message/entities/conversation.entity';
import { MessageEntity } from '../modules/message/entities/message.entity';

export const ENTITIES: Function[] = [ConversationEntity, ConversationMemberEntity, MessageEntity, UserEntity, SessionEntity, RetiredRefreshTokenEntity];
