/**
 * The core protocol's command declarations, grouped by domain (see ./command-declaration.ts for
 * what a declaration says). Names follow the draft's `domain/action` form; `domain.action` is
 * accepted on the wire as an alias and normalized by `normalizeCommand`.
 *
 * Each group is listed by the feature module that serves it (its manifest's `commands`), so the
 * app's registry is assembled from src/app.features.ts like a module's own commands.
 */
// The payload classes below carry decorator metadata: load the polyfill first (as messages.ts does).
import 'reflect-metadata';
import { CommandDeclaration, CommandSpec, declareCommand, Direction } from './command-declaration';
import { KickEvent, KickRequest, LoginRequest, LoginResponseDto, LogoutRequest, RefreshRequest, RefreshResponse, RegisterRequest, RegisterResponse, RevokedSessionsResponse, SessionsRequest, SessionsResponse } from './messages/auth.messages';
import { ContactChangeResponse, ContactListRequest, ContactListResponse, ContactRefRequest, ContactRequestRequest } from './messages/contact.messages';
import { ControlErrorEventDto, ControlResyncEventDto, PingResponseDto } from './messages/control.messages';
import { FileAcceptDto, FileAckDto, FileAckRequestDto, FileCancelDto, FileCancelResponse, FileRequestDto, FileRequestResponse } from './messages/file.messages';
import {
  GroupAddRequest,
  GroupChangeResponse,
  GroupCreateRequest,
  GroupCreateResponse,
  GroupLeaveResponse,
  GroupListPageDto,
  GroupListRequest,
  GroupMembersResponse,
  GroupRefRequest,
  GroupRemoveRequest,
} from './messages/group.messages';
import {
  AckMessageRequest,
  AckResponseDto,
  EditMessageRequest,
  HistoryPageDto,
  MessageChangeResponseDto,
  MessageEventDto,
  MessageHistoryRequest,
  MessageThreadRequest,
  OfflineBatchDto,
  ReceiptEventDto,
  RecallMessageRequest,
  SendMessageRequest,
  SendMessageResponseDto,
  ThreadPageDto,
} from './messages/message.messages';
import { MessageSearchRequest, SearchPageDto } from './messages/search.messages';
import { NotificationAckRequest, NotificationAckResponse, NotificationEventDto, NotificationListRequest, NotificationListResponse } from './messages/notification.messages';
import {
  HeartbeatMessage,
  PresenceListRequest,
  PresenceListResponse,
  PresenceSubscribeRequest,
  PresenceSubscribeResponse,
  PresenceUpdateRequest,
  PresenceUpdateResponse,
  PresenceView,
  TypingEventDto,
  TypingRequest,
  TypingResponse,
} from './messages/presence.messages';
import { UserLookupRequest, UserLookupResponse, UserProfileRequest, UserProfileResponse } from './messages/user.messages';

export type { Direction } from './command-declaration';

/** A command's declaration (the name this package used before declarations carried payloads). */
export type CommandInfo = CommandDeclaration;

type Extra<N extends string> = Omit<CommandSpec<N>, 'name' | 'direction' | 'kind' | 'description'>;

function cmd<N extends string>(
  name: N,
  direction: Direction,
  kind: 'request' | 'event',
  description: string,
  extra: Extra<N> = {},
): CommandDeclaration<N> {
  return declareCommand<N>({ name, direction, kind, description, ...extra });
}

const PUBLIC = { auth: 'public' } as const;

export const AuthCommands = {
  REGISTER: cmd('auth/register', 'c2s', 'request', 'Create an account (when registration is open).', { ...PUBLIC, request: RegisterRequest, response: RegisterResponse }),
  LOGIN: cmd('auth/login', 'c2s', 'request', 'Log in and bind this connection to a session.', { ...PUBLIC, request: LoginRequest, response: LoginResponseDto, causes: ['message/offline'] }),
  LOGOUT: cmd('auth/logout', 'c2s', 'request', 'Revoke the session (or all of them) and unbind.', { request: LogoutRequest, response: RevokedSessionsResponse, causes: ['auth/kick'] }),
  REFRESH: cmd('auth/refresh', 'c2s', 'request', 'Rotate the refresh token and get a new access token.', { ...PUBLIC, request: RefreshRequest, response: RefreshResponse }),
  KICK: cmd('auth/kick', 'both', 'request', 'Server: forced-logout event. Admin: revoke a user session.', { request: KickRequest, response: RevokedSessionsResponse, event: KickEvent, causes: ['auth/kick'] }),
  SESSIONS: cmd('auth/sessions', 'c2s', 'request', 'List my active sessions (devices).', { request: SessionsRequest, response: SessionsResponse }),
} as const;

export const PresenceCommands = {
  HEARTBEAT: cmd('presence/heartbeat', 'both', 'event', 'Keep-alive; the server echoes the same seq.', { ...PUBLIC, request: HeartbeatMessage, event: HeartbeatMessage, causes: ['presence/heartbeat'] }),
  UPDATE: cmd('presence/update', 'c2s', 'request', 'Change my status (online/away/busy/invisible).', { request: PresenceUpdateRequest, response: PresenceUpdateResponse, causes: ['presence/event'] }),
  LIST: cmd('presence/list', 'c2s', 'request', 'Presence of given users or of visible online users.', { request: PresenceListRequest, response: PresenceListResponse }),
  SUBSCRIBE: cmd('presence/subscribe', 'c2s', 'request', 'Follow the presence of explicit users.', { request: PresenceSubscribeRequest, response: PresenceSubscribeResponse }),
  EVENT: cmd('presence/event', 's2c', 'event', 'A user I can see changed presence.', { event: PresenceView }),
  TYPING: cmd('presence/typing', 'both', 'request', 'Client: I start/stop typing in a conversation. Server: a member does (never stored; ends by itself).', { request: TypingRequest, response: TypingResponse, event: TypingEventDto, causes: ['presence/typing'] }),
} as const;

export const MessageCommands = {
  SEND: cmd('message/send', 'c2s', 'request', 'Send a message to a user, a group or everyone.', { request: SendMessageRequest, response: SendMessageResponseDto, causes: ['message/event'] }),
  ACK: cmd('message/ack', 'both', 'request', 'Client: delivered/read receipt. Server: receipt event.', { request: AckMessageRequest, response: AckResponseDto, event: ReceiptEventDto, causes: ['message/ack', 'message/offline'] }),
  HISTORY: cmd('message/history', 'c2s', 'request', 'Page through a conversation or sync all.', { request: MessageHistoryRequest, response: HistoryPageDto }),
  EVENT: cmd('message/event', 's2c', 'event', 'A new message, pushed live.', { event: MessageEventDto }),
  OFFLINE: cmd('message/offline', 's2c', 'event', 'A batch of messages missed while offline.', { event: OfflineBatchDto }),
  EDIT: cmd('message/edit', 'c2s', 'request', 'Replace the content of my message (a message.edited entry in the stream).', { request: EditMessageRequest, response: MessageChangeResponseDto, causes: ['message/event'] }),
  THREAD: cmd('message/thread', 'c2s', 'request', "A thread's root (with reply_count, last_reply_at, reply_participants) and its replies, paged.", { request: MessageThreadRequest, response: ThreadPageDto }),
  SEARCH: cmd('message/search', 'c2s', 'request', 'Full-text search over the messages I may read (CJK included), newest or most relevant first, with snippets.', { request: MessageSearchRequest, response: SearchPageDto }),
  RECALL: cmd('message/recall', 'c2s', 'request', 'Erase a message, leaving a tombstone (author, or group owner/admin).', { request: RecallMessageRequest, response: MessageChangeResponseDto, causes: ['message/event'] }),
} as const;

export const GroupCommands = {
  CREATE: cmd('group/create', 'c2s', 'request', 'Create a group with initial members.', { request: GroupCreateRequest, response: GroupCreateResponse, causes: ['notification/event'] }),
  ADD: cmd('group/add', 'c2s', 'request', 'Add members (owner/admins).', { request: GroupAddRequest, response: GroupChangeResponse, causes: ['notification/event'] }),
  REMOVE: cmd('group/remove', 'c2s', 'request', 'Remove members (owner/admins).', { request: GroupRemoveRequest, response: GroupChangeResponse, causes: ['notification/event'] }),
  LEAVE: cmd('group/leave', 'c2s', 'request', 'Leave a group.', { request: GroupRefRequest, response: GroupLeaveResponse, causes: ['notification/event'] }),
  MEMBERS: cmd('group/members', 'c2s', 'request', 'List the members of a group.', { request: GroupRefRequest, response: GroupMembersResponse }),
  LIST: cmd('group/list', 'c2s', 'request', 'My groups and direct conversations.', { request: GroupListRequest, response: GroupListPageDto }),
} as const;

export const FileCommands = {
  REQUEST: cmd('file/request', 'c2s', 'request', 'Ask to transfer a file; returns the data channel.', { request: FileRequestDto, response: FileRequestResponse, causes: ['file/accept', 'file/ack'] }),
  ACCEPT: cmd('file/accept', 's2c', 'event', 'Transfer accepted: transfer_id and port.', { event: FileAcceptDto }),
  CHUNK: cmd('file/chunk', 'both', 'event', 'Binary data block (TLV on the data channel, not JSON).'),
  ACK: cmd('file/ack', 'both', 'request', 'Client: ask the durable offset. Server: upload finished or failed (event).', { request: FileAckRequestDto, response: FileAckDto, event: FileAckDto }),
  CANCEL: cmd('file/cancel', 'both', 'request', 'Abort a transfer and free its resources (server: event).', { request: FileCancelDto, response: FileCancelResponse, event: FileCancelDto, causes: ['file/cancel'] }),
} as const;

export const ControlCommands = {
  PING: cmd('control/ping', 'both', 'request', 'Link probe; answers with the server time.', { ...PUBLIC, response: PingResponseDto }),
  ERROR: cmd('control/error', 's2c', 'event', 'Error notice, sent before the server closes a connection.', { event: ControlErrorEventDto }),
  RESYNC: cmd('control/resync', 's2c', 'event', 'Live pushes may have been lost (cluster bus outage beyond its bound): catch up with message/history sync and presence/list.', { event: ControlResyncEventDto }),
} as const;

export const NotificationCommands = {
  EVENT: cmd('notification/event', 's2c', 'event', 'Business notification (friend requests, group membership, ...).', { event: NotificationEventDto }),
  ACK: cmd('notification/ack', 'c2s', 'request', 'Acknowledge durable notifications so they are not offered again.', { request: NotificationAckRequest, response: NotificationAckResponse }),
  LIST: cmd('notification/list', 'c2s', 'request', 'My durable notifications not acknowledged yet, oldest first.', { request: NotificationListRequest, response: NotificationListResponse }),
} as const;

export const UserCommands = {
  LOOKUP: cmd('user/lookup', 'c2s', 'request', 'Find users by exact username or username prefix.', { request: UserLookupRequest, response: UserLookupResponse }),
  PROFILE: cmd('user/profile', 'c2s', 'request', "Get my or someone's profile; update my display name and status text.", { request: UserProfileRequest, response: UserProfileResponse }),
} as const;

export const ContactCommands = {
  REQUEST: cmd('contact/request', 'c2s', 'request', 'Ask a user to become a contact (optional note).', { request: ContactRequestRequest, response: ContactChangeResponse, causes: ['notification/event'] }),
  ACCEPT: cmd('contact/accept', 'c2s', 'request', 'Accept a pending contact request.', { request: ContactRefRequest, response: ContactChangeResponse, causes: ['notification/event'] }),
  DECLINE: cmd('contact/decline', 'c2s', 'request', 'Decline a pending contact request.', { request: ContactRefRequest, response: ContactChangeResponse, causes: ['notification/event'] }),
  REMOVE: cmd('contact/remove', 'c2s', 'request', 'Remove a contact or cancel my pending request.', { request: ContactRefRequest, response: ContactChangeResponse }),
  LIST: cmd('contact/list', 'c2s', 'request', 'My contacts, pending requests or blocked users (paged).', { request: ContactListRequest, response: ContactListResponse }),
  BLOCK: cmd('contact/block', 'c2s', 'request', 'Block a user: no direct messages, requests or presence.', { request: ContactRefRequest, response: ContactChangeResponse }),
  UNBLOCK: cmd('contact/unblock', 'c2s', 'request', 'Lift a block.', { request: ContactRefRequest, response: ContactChangeResponse }),
} as const;

export const CommandGroups = {
  auth: AuthCommands,
  presence: PresenceCommands,
  message: MessageCommands,
  group: GroupCommands,
  file: FileCommands,
  control: ControlCommands,
  notification: NotificationCommands,
  user: UserCommands,
  contact: ContactCommands,
} as const;

type Groups = typeof CommandGroups;
type GroupValues = { [K in keyof Groups]: Groups[K][keyof Groups[K]] }[keyof Groups];
/** Union of every command name, e.g. `'auth/login' | 'message/send' | ...`. */
export type CommandName = GroupValues['name'];

export const ALL_COMMANDS: readonly CommandInfo[] = Object.values(CommandGroups).flatMap(
  (group) => Object.values(group) as CommandInfo[],
);

const COMMAND_INDEX = new Map(ALL_COMMANDS.map((c) => [c.name, c]));

export function commandInfo(name: string): CommandInfo | undefined {
  return COMMAND_INDEX.get(name);
}

/**
 * `message.send` → `message/send`. Called once per frame, so it avoids regexes and only
 * allocates when a dot is present.
 */
export function normalizeCommand(command: string): string {
  return command.indexOf('.') === -1 ? command : command.replaceAll('.', '/');
}
