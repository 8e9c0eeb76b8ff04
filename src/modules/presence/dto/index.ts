/** The presence payload DTOs live in the protocol package (shared with the SDK). */
export {
  HeartbeatMessage,
  PresenceListRequest,
  PresenceSubscribeRequest,
  PresenceUpdateRequest,
} from '../../../shared/protocol/messages/presence.messages';
export type { PresenceStatus, PresenceView } from '../../../shared/protocol/messages/presence.messages';
