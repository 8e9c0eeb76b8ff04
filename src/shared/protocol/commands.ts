/**
 * Every command of the protocol, grouped by domain. Names follow the draft's `domain/action`
 * form; `domain.action` is accepted on the wire as an alias and normalized by `normalizeCommand`.
 */
export type Direction = 'c2s' | 's2c' | 'both';

export interface CommandInfo {
  readonly name: string;
  readonly direction: Direction;
  /** `request` expects a response; `event` is fire-and-forget. */
  readonly kind: 'request' | 'event';
  readonly description: string;
}

function cmd<N extends string>(
  name: N,
  direction: Direction,
  kind: 'request' | 'event',
  description: string,
): CommandInfo & { name: N } {
  return { name, direction, kind, description };
}

export const AuthCommands = {
  REGISTER: cmd('auth/register', 'c2s', 'request', 'Create an account (when registration is open).'),
  LOGIN: cmd('auth/login', 'c2s', 'request', 'Log in and bind this connection to a session.'),
  LOGOUT: cmd('auth/logout', 'c2s', 'request', 'Revoke the session (or all of them) and unbind.'),
  REFRESH: cmd('auth/refresh', 'c2s', 'request', 'Rotate the refresh token and get a new access token.'),
  KICK: cmd('auth/kick', 'both', 'request', 'Server: forced-logout event. Admin: revoke a user session.'),
  SESSIONS: cmd('auth/sessions', 'c2s', 'request', 'List my active sessions (devices).'),
} as const;

export const PresenceCommands = {
  HEARTBEAT: cmd('presence/heartbeat', 'both', 'event', 'Keep-alive; the server echoes the same seq.'),
  UPDATE: cmd('presence/update', 'c2s', 'request', 'Change my status (online/away/busy/invisible).'),
  LIST: cmd('presence/list', 'c2s', 'request', 'Presence of given users or of visible online users.'),
  SUBSCRIBE: cmd('presence/subscribe', 'c2s', 'request', 'Follow the presence of explicit users.'),
  EVENT: cmd('presence/event', 's2c', 'event', 'A user I can see changed presence.'),
} as const;

export const MessageCommands = {
  SEND: cmd('message/send', 'c2s', 'request', 'Send a message to a user, a group or everyone.'),
  ACK: cmd('message/ack', 'both', 'request', 'Client: delivered/read receipt. Server: receipt event.'),
  HISTORY: cmd('message/history', 'c2s', 'request', 'Page through a conversation or sync all.'),
  EVENT: cmd('message/event', 's2c', 'event', 'A new message, pushed live.'),
  OFFLINE: cmd('message/offline', 's2c', 'event', 'A batch of messages missed while offline.'),
} as const;

export const GroupCommands = {
  CREATE: cmd('group/create', 'c2s', 'request', 'Create a group with initial members.'),
  ADD: cmd('group/add', 'c2s', 'request', 'Add members (owner/admins).'),
  REMOVE: cmd('group/remove', 'c2s', 'request', 'Remove members (owner/admins).'),
  LEAVE: cmd('group/leave', 'c2s', 'request', 'Leave a group.'),
  MEMBERS: cmd('group/members', 'c2s', 'request', 'List the members of a group.'),
  LIST: cmd('group/list', 'c2s', 'request', 'My groups and direct conversations.'),
} as const;

export const FileCommands = {
  REQUEST: cmd('file/request', 'c2s', 'request', 'Ask to transfer a file; returns the data channel.'),
  ACCEPT: cmd('file/accept', 's2c', 'event', 'Transfer accepted: transfer_id and port.'),
  CHUNK: cmd('file/chunk', 'both', 'event', 'Binary data block (TLV on the data channel, not JSON).'),
  ACK: cmd('file/ack', 'both', 'request', 'Client: ask the durable offset. Server: upload finished or failed (event).'),
  CANCEL: cmd('file/cancel', 'both', 'request', 'Abort a transfer and free its resources (server: event).'),
} as const;

export const ControlCommands = {
  PING: cmd('control/ping', 'both', 'request', 'Link probe; answers with the server time.'),
  ERROR: cmd('control/error', 's2c', 'event', 'Error notice, sent before the server closes a connection.'),
  RESYNC: cmd('control/resync', 's2c', 'event', 'Live pushes may have been lost (cluster bus outage beyond its bound): catch up with message/history sync and presence/list.'),
} as const;

export const NotificationCommands = {
  EVENT: cmd('notification/event', 's2c', 'event', 'Business notification (friend requests, group membership, ...).'),
  ACK: cmd('notification/ack', 'c2s', 'request', 'Acknowledge durable notifications so they are not offered again.'),
  LIST: cmd('notification/list', 'c2s', 'request', 'My durable notifications not acknowledged yet, oldest first.'),
} as const;

export const UserCommands = {
  LOOKUP: cmd('user/lookup', 'c2s', 'request', 'Find users by exact username or username prefix.'),
  PROFILE: cmd('user/profile', 'c2s', 'request', "Get my or someone's profile; update my display name and status text."),
} as const;

export const ContactCommands = {
  REQUEST: cmd('contact/request', 'c2s', 'request', 'Ask a user to become a contact (optional note).'),
  ACCEPT: cmd('contact/accept', 'c2s', 'request', 'Accept a pending contact request.'),
  DECLINE: cmd('contact/decline', 'c2s', 'request', 'Decline a pending contact request.'),
  REMOVE: cmd('contact/remove', 'c2s', 'request', 'Remove a contact or cancel my pending request.'),
  LIST: cmd('contact/list', 'c2s', 'request', 'My contacts, pending requests or blocked users (paged).'),
  BLOCK: cmd('contact/block', 'c2s', 'request', 'Block a user: no direct messages, requests or presence.'),
  UNBLOCK: cmd('contact/unblock', 'c2s', 'request', 'Lift a block.'),
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
