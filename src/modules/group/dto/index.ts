/** The group DTOs live in the protocol package (shared with the SDK); re-exported for the module. */
export * from '../../../shared/protocol/messages/group.messages';
