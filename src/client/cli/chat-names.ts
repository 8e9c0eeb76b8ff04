/**
 * What the chat CLI shows instead of ids: usernames for user ids, `@peer` for a direct
 * conversation and `#name` for a group. Learnt from what the server tells us anyway (logins,
 * contact lists, group lists, notifications, lookups), asked for with user/profile only when a
 * message comes from someone not seen yet, and kept in the account's state file so a restart
 * prints names at once. Ids stay reachable: `--ids` shows them next to the names.
 */
const DIRECT = /^d-(u-[0-9a-f]{16})-(u-[0-9a-f]{16})$/;

/** How ids are shown (the formatters take this; tests pass their own). */
export interface Names {
  user(id: string | undefined): string;
  conversation(id: string): string;
}

/** Shows ids as they are (tests of the formatters, and `--ids` display of raw frames). */
export const RAW_IDS: Names = { user: (id) => id ?? '?', conversation: (id) => id };

export interface NameBookState {
  users: Record<string, string>;
  groups: Record<string, string>;
}

export class NameBook implements Names {
  private readonly users = new Map<string, string>();
  private readonly groups = new Map<string, string>();
  me?: string;
  /** Append the ids in parentheses (`--ids`). */
  showIds = false;

  constructor(state?: Partial<NameBookState>) {
    for (const [id, name] of Object.entries(state?.users ?? {})) this.users.set(id, name);
    for (const [id, name] of Object.entries(state?.groups ?? {})) this.groups.set(id, name);
  }

  learnUser(id: unknown, username: unknown): void {
    if (typeof id === 'string' && typeof username === 'string' && username)
      this.users.set(id, username);
  }

  learnGroup(id: unknown, name: unknown): void {
    if (typeof id === 'string' && typeof name === 'string' && name) this.groups.set(id, name);
  }

  /** Learns what any card-like payload carries (`user_id` + `username`, `conversation_id` + `name`). */
  learn(payload: unknown): void {
    if (!payload || typeof payload !== 'object') return;
    const p = payload as Record<string, unknown>;
    this.learnUser(p.user_id, p.username);
    if (typeof p.conversation_id === 'string' && p.conversation_id.startsWith('g-'))
      this.learnGroup(p.conversation_id, p.name);
    if (p.user && typeof p.user === 'object') this.learn(p.user);
  }

  user(id: string | undefined): string {
    if (!id) return '?';
    if (id === this.me) return 'me';
    const name = this.users.get(id);
    if (!name) return id;
    return this.showIds ? `${name} (${id})` : name;
  }

  /** `@bob` for a direct conversation, `#Project X` for a group, the id for anything else. */
  conversation(id: string): string {
    const direct = DIRECT.exec(id);
    let label: string | undefined;
    if (direct) {
      const peer = direct[1] === this.me ? direct[2] : direct[1];
      const name = this.users.get(peer);
      label = name ? `@${name}` : undefined;
    } else if (id === 'broadcast') label = '#broadcast';
    else if (this.groups.has(id)) label = `#${this.groups.get(id)}`;
    if (!label) return id;
    return this.showIds ? `${label} (${id})` : label;
  }

  /** User ids among `ids` with no known name (to look up before printing). */
  unknown(ids: Iterable<string | undefined>): string[] {
    const out = new Set<string>();
    for (const id of ids)
      if (id && id !== this.me && /^u-/.test(id) && !this.users.has(id)) out.add(id);
    return [...out];
  }

  /** The other participant of a direct conversation id. */
  peerOf(conversationId: string): string | undefined {
    const direct = DIRECT.exec(conversationId);
    if (!direct) return undefined;
    return direct[1] === this.me ? direct[2] : direct[1];
  }

  userIdOf(username: string): string | undefined {
    const wanted = username.replace(/^@/, '').toLowerCase();
    for (const [id, name] of this.users) if (name.toLowerCase() === wanted) return id;
    return undefined;
  }

  /** Group ids whose name matches (case-insensitive; a leading `#` is optional). */
  groupIdsOf(name: string): string[] {
    const wanted = name.replace(/^#/, '').toLowerCase();
    return [...this.groups].filter(([, n]) => n.toLowerCase() === wanted).map(([id]) => id);
  }

  toJSON(): NameBookState {
    return { users: Object.fromEntries(this.users), groups: Object.fromEntries(this.groups) };
  }
}
