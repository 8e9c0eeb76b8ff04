/**
 * One declaration per command — core and module commands alike. A declaration says everything a
 * client author, the dispatcher and the generators need about one command name:
 *
 * - `name` (`domain/action`), `direction` (who sends the first frame) and `kind` (the frame type:
 *   `request` expects a response, `event` does not);
 * - `request`: the payload class of the frame a client sends (c2s / both), validated on the server;
 * - `response`: the payload class of a success response;
 * - `event`: the payload class of the frame the server sends under this name (s2c / both);
 * - `causes`: names of the server events handling it may produce (each declared with its own `event`);
 * - `since`: the minimum protocol version (`headers.version`);
 * - `auth`: `public` (no bearer token) or `authenticated`;
 * - `description`: one line for docs/protocol.md, docs/asyncapi.yaml and the SDK's types.
 *
 * Core commands are declared in ./commands.ts (the SDK shares them); a module declares its own in
 * its folder (`<name>.commands.ts`) and lists them in its feature manifest. The registry below is
 * assembled from the feature list: the server checks its handlers against it at start, and the
 * generators (schemas, asyncapi, command table, SDK types) read it at build time.
 *
 * Pure TypeScript (the protocol package stays free of Nest).
 */
export type Direction = 'c2s' | 's2c' | 'both';

/** A payload class (class-validator decorated: the JSON Schemas are generated from it). */
export type PayloadClass<T = unknown> = abstract new (...args: any[]) => T;

export interface CommandDeclaration<N extends string = string> {
  readonly name: N;
  readonly direction: Direction;
  readonly kind: 'request' | 'event';
  readonly description: string;
  readonly request?: PayloadClass;
  readonly response?: PayloadClass;
  readonly event?: PayloadClass;
  readonly causes?: readonly string[];
  readonly since: string;
  readonly auth: 'public' | 'authenticated';
}

/** The protocol version every command of the first release accepts. */
export const BASE_VERSION = '1.0';

/** What a declaration may leave out: `since` defaults to BASE_VERSION, `auth` to authenticated. */
export type CommandSpec<N extends string> = Omit<CommandDeclaration<N>, 'since' | 'auth'> & Partial<Pick<CommandDeclaration<N>, 'since' | 'auth'>>;

export const COMMAND_NAME = /^[a-z][a-z0-9-]*\/[a-z][a-z0-9_-]*$/;

/** Builds (and checks) one declaration; throws on a malformed one, so a typo fails at import. */
export function declareCommand<N extends string>(spec: CommandSpec<N>): CommandDeclaration<N> {
  const d: CommandDeclaration<N> = { ...spec, since: spec.since ?? BASE_VERSION, auth: spec.auth ?? 'authenticated' };
  const problems: string[] = [];
  if (!COMMAND_NAME.test(d.name)) problems.push(`name must look like "domain/action" (${COMMAND_NAME})`);
  if (d.direction === 's2c' && d.kind !== 'event') problems.push('a server-only command must be an event (the server never waits for a client answer)');
  if (d.direction === 's2c' && d.request) problems.push('a server-only command has no request payload (declare its payload as `event`)');
  if (d.kind === 'event' && d.response) problems.push('an event gets no response (remove `response`)');
  if (!/^\d+\.\d+$/.test(d.since)) problems.push(`since must be a protocol version such as "${BASE_VERSION}"`);
  if (d.description.trim().length < 10 || d.description.includes('\n')) problems.push('description must be one line of at least 10 characters');
  if (problems.length > 0) throw new Error(`command ${d.name}: ${problems.join('; ')}`);
  return Object.freeze(d);
}

/**
 * Every declared command by name. Built from the feature list at start (dispatch) and by the
 * generators; a name declared twice fails here with both declarers named.
 */
export class CommandRegistry {
  private readonly byName = new Map<string, { declaration: CommandDeclaration; owner: string }>();

  constructor(groups: readonly { owner: string; commands: readonly CommandDeclaration[] }[]) {
    for (const { owner, commands } of groups) {
      for (const d of commands) {
        const previous = this.byName.get(d.name);
        if (previous) throw new Error(`command ${d.name} is declared twice (by ${previous.owner} and by ${owner}); each command has exactly one declaration`);
        this.byName.set(d.name, { declaration: d, owner });
      }
    }
    const problems: string[] = [];
    for (const { declaration: d, owner } of this.byName.values()) {
      for (const caused of d.causes ?? []) {
        const target = this.byName.get(caused)?.declaration;
        if (!target) problems.push(`${d.name} (${owner}) causes ${caused}, which no feature declares`);
        else if (target.direction === 'c2s') problems.push(`${d.name} (${owner}) causes ${caused}, which is not sent by the server`);
      }
    }
    if (problems.length > 0) throw new Error(`command declarations: ${problems.join('; ')}`);
  }

  get(name: string): CommandDeclaration | undefined {
    return this.byName.get(name)?.declaration;
  }

  /** Who declared it (a feature name, or `protocol` for the core table). */
  ownerOf(name: string): string | undefined {
    return this.byName.get(name)?.owner;
  }

  /** Every declaration, sorted by name (stable output for the generators). */
  all(): CommandDeclaration[] {
    return [...this.byName.values()].map((e) => e.declaration).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
