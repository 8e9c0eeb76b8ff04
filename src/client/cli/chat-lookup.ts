/**
 * The chat CLI's directory work: turns what a person types (`bob`, `@bob`, `"Project X"`, an id)
 * into ids, and learns the names of ids it is about to print (user/profile, group/list,
 * contact/list). Split from ChatSession, which renders; this asks the server.
 */
import type { SwitchboardSession } from '../session';
import type { NameBook } from './chat-names';

const USER_ID = /^u-[0-9a-f]{16}$/;

export class ChatLookup {
  constructor(
    private readonly names: NameBook,
    private readonly session: () => SwitchboardSession,
    private readonly me: () => string,
    private readonly print: (line: string) => void,
  ) {}

  /** user/profile for ids with no known name; a failed lookup leaves the id shown. */
  async learnUsers(ids: (string | undefined)[]): Promise<void> {
    const unknown = this.names.unknown(ids);
    if (unknown.length === 0 || !this.session()) return;
    await Promise.all(
      unknown.map(async (id) => {
        const p = await this.session()
          .request('user/profile', { user_id: id })
          .catch(() => undefined);
        if (p && p.status < 300) this.names.learn(p.user);
      }),
    );
  }

  /** Learns names from group/list and contact/list (first pages), so the catch-up prints names. */
  async learnDirectory(): Promise<void> {
    const [groups, contacts] = await Promise.all([
      this.session()
        .request('group/list', { limit: 100 })
        .catch(() => undefined),
      this.session()
        .request('contact/list', { limit: 100 })
        .catch(() => undefined),
    ]);
    for (const c of (groups?.conversations as Record<string, unknown>[] | undefined) ?? [])
      this.names.learn(c);
    for (const c of (contacts?.contacts as Record<string, unknown>[] | undefined) ?? [])
      this.names.learn(c);
  }

  /** A username (looked up, then remembered) or a user id as typed. */
  async resolve(user: string): Promise<string | undefined> {
    if (USER_ID.test(user)) return user;
    const known = this.names.userIdOf(user);
    if (known) return known;
    const name = user.replace(/^@/, '');
    const p = await this.session().request('user/lookup', { query: name, limit: 1 });
    if (p.status < 300 && p.exact) {
      this.names.learn(p.exact);
      return p.exact.user_id as string;
    }
    this.print(`! no user "${name}" (/find ${name.slice(0, 3)} searches the directory)`);
    return undefined;
  }

  /** A group by id, or by name (my groups; asked again from group/list when not known yet). */
  async resolveGroup(group: string): Promise<string | undefined> {
    if (group.startsWith('g-')) return group;
    let ids = this.names.groupIdsOf(group);
    if (ids.length === 0) {
      await this.learnDirectory();
      ids = this.names.groupIdsOf(group);
    }
    if (ids.length === 1) return ids[0];
    this.print(
      ids.length === 0
        ? `! you are in no group called "${group}" (/list shows your groups)`
        : `! ${ids.length} of your groups are called "${group}": use its id (${ids.join(', ')})`,
    );
    return undefined;
  }

  /** `@user`, a group name or any conversation id → a conversation id. */
  async resolveConversation(conversation: string): Promise<string | undefined> {
    if (/^(d-|g-|broadcast$)/.test(conversation)) return conversation;
    if (conversation.startsWith('@')) {
      const peer = await this.resolve(conversation);
      if (!peer) return undefined;
      const [a, b] = [this.me(), peer].sort();
      return `d-${a}-${b}`;
    }
    return this.resolveGroup(conversation);
  }
}
