/**
 * Typed request/response and event maps for clients: `RequestOf<'message/send'>` is the payload
 * class of that command, `ResponseOf<'message/send'>` its success payload, `EventOf<'message/event'>`
 * the payload of that server event. The SDK's `request()` and `on()` are typed through these.
 *
 * Two sources: the hand-written maps below (core commands, with response shapes richer than their
 * declarations say so far) and `CommandTypes`, generated from every command declaration — module
 * commands included — by `npm run schemas` (command-types.generated.ts). A command in neither
 * types as a plain record (it still works).
 */
import type { CommandTypes } from './command-types.generated';
import type {
  KickRequest,
  LoginRequest,
  LogoutRequest,
  RefreshRequest,
  RegisterRequest,
  RegisterResponse,
  RevokedSessionsResponse,
  SessionsRequest,
  SessionsResponse,
} from './messages/auth.messages';
import type { ContactChangeResponse, ContactListRequest, ContactListResponse, ContactRefRequest, ContactRequestRequest } from './messages/contact.messages';
import type {
  GroupAddRequest,
  GroupChangeResponse,
  GroupCreateRequest,
  GroupCreateResponse,
  GroupLeaveResponse,
  GroupListRequest,
  GroupListResponse,
  GroupMembersResponse,
  GroupRefRequest,
  GroupRemoveRequest,
} from './messages/group.messages';
import type {
  AckMessageRequest,
  AckResponseDto,
  MessageEventPayload,
  MessageHistoryRequest,
  EditMessageRequest,
  RecallMessageRequest,
  MessageThreadRequest,
  MessageChangeResponse,
  OfflineBatchPayload,
  ReceiptEventPayload,
  SendMessageRequest,
  SendMessageResponse,
  WireMessage,
} from './messages/message.messages';
import type { NotificationAckRequest, NotificationAckResponse, NotificationListRequest, NotificationPayload } from './messages/notification.messages';
import type { PresenceListRequest, PresenceSubscribeRequest, PresenceUpdateRequest, PresenceView } from './messages/presence.messages';
import type { UserLookupRequest, UserLookupResponse, UserProfileRequest, UserProfileResponse } from './messages/user.messages';

type Plain<T> = { [K in keyof T]: T[K] };

/** Success payload of auth/login and auth/refresh. */
export interface LoginResponse {
  status: number;
  token: string;
  refresh_token: string;
  user_id: string;
  session_id: string;
  expires_in: number;
  refresh_expires_in: number;
  heartbeat_interval?: number;
}

export interface HistoryResponse {
  status: number;
  conversation_id?: string;
  messages: WireMessage[];
  has_more: boolean;
  next_cursor: string | null;
  prev_cursor?: string | null;
}

export interface RequestMap {
  'auth/register': [Plain<RegisterRequest>, Plain<RegisterResponse>];
  'auth/login': [Plain<LoginRequest>, LoginResponse];
  'auth/refresh': [Plain<RefreshRequest>, LoginResponse];
  'auth/logout': [Plain<LogoutRequest>, Plain<RevokedSessionsResponse>];
  'auth/kick': [Plain<KickRequest>, Plain<RevokedSessionsResponse>];
  'auth/sessions': [Plain<SessionsRequest>, Plain<SessionsResponse>];
  'message/send': [Plain<SendMessageRequest>, SendMessageResponse];
  'message/ack': [Plain<AckMessageRequest>, Plain<AckResponseDto>];
  'message/history': [Plain<MessageHistoryRequest>, HistoryResponse];
  'message/edit': [Plain<EditMessageRequest>, MessageChangeResponse];
  'message/recall': [Plain<RecallMessageRequest>, MessageChangeResponse];
  'message/thread': [Plain<MessageThreadRequest>, { status: number; conversation_id: string; root: WireMessage; replies: WireMessage[]; has_more: boolean; next_cursor: string }];
  'group/create': [Plain<GroupCreateRequest>, Plain<GroupCreateResponse>];
  'group/add': [Plain<GroupAddRequest>, Plain<GroupChangeResponse>];
  'group/remove': [Plain<GroupRemoveRequest>, Plain<GroupChangeResponse>];
  'group/leave': [Plain<GroupRefRequest>, Plain<GroupLeaveResponse>];
  'group/members': [Plain<GroupRefRequest>, Plain<GroupMembersResponse>];
  'group/list': [Plain<GroupListRequest>, GroupListResponse];
  'presence/update': [Plain<PresenceUpdateRequest>, { status: number; presence: PresenceView }];
  'presence/list': [Plain<PresenceListRequest>, { status: number; users: PresenceView[]; has_more: boolean; next_cursor: string | null }];
  'presence/subscribe': [Plain<PresenceSubscribeRequest>, { status: number; users: PresenceView[] }];
  'control/ping': [Record<string, never>, { status: number; server_time: number; server_time_ms: number }];
  'user/lookup': [Plain<UserLookupRequest>, UserLookupResponse];
  'user/profile': [Plain<UserProfileRequest>, UserProfileResponse];
  'contact/request': [Plain<ContactRequestRequest>, ContactChangeResponse];
  'contact/accept': [Plain<ContactRefRequest>, ContactChangeResponse];
  'contact/decline': [Plain<ContactRefRequest>, ContactChangeResponse];
  'contact/remove': [Plain<ContactRefRequest>, ContactChangeResponse];
  'contact/block': [Plain<ContactRefRequest>, ContactChangeResponse];
  'contact/unblock': [Plain<ContactRefRequest>, ContactChangeResponse];
  'contact/list': [Plain<ContactListRequest>, ContactListResponse];
  'notification/ack': [Plain<NotificationAckRequest>, Plain<NotificationAckResponse>];
  'notification/list': [Plain<NotificationListRequest>, { status: number; notifications: NotificationPayload[]; has_more: boolean; next_cursor: string | null }];
}

export interface EventMap {
  'message/event': MessageEventPayload;
  'message/offline': OfflineBatchPayload;
  'message/ack': ReceiptEventPayload;
  'notification/event': NotificationPayload & { status: number };
  'presence/event': PresenceView;
  'presence/heartbeat': { seq: number };
  'auth/kick': { reason: string } & Record<string, unknown>;
  'control/error': { status: number; error_code: string; error_message: string; retry_after_ms?: number } & Record<string, unknown>;
}

export type KnownRequest = keyof RequestMap;
export type { CommandTypes };
/** The generated payload type of a declared command; `never` when undeclared or absent. */
type Generated<C extends string, K extends 'request' | 'response' | 'event'> = C extends keyof CommandTypes ? CommandTypes[C][K] : never;
type Or<T, Fallback> = [T] extends [never] ? Fallback : T;
export type RequestOf<C extends string> = C extends KnownRequest ? RequestMap[C][0] : Or<Generated<C, 'request'>, Record<string, unknown>>;
export type ResponseOf<C extends string> = C extends KnownRequest ? RequestMap[C][1] : Or<Generated<C, 'response'>, { status: number } & Record<string, unknown>>;
export type EventOf<C extends string> = C extends keyof EventMap ? EventMap[C] : Or<Generated<C, 'event'>, Record<string, unknown>>;
