/** The message DTOs live in the protocol package (shared with the SDK); re-exported for the module. */
export {
  AckMessageRequest,
  MessageHistoryRequest,
  SendMessageRequest,
} from '../../../shared/protocol/messages/message.messages';
