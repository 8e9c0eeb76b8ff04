import { Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Client, InvalidCredentialsError, SizeLimitExceededError } from 'ldapts';
import type { Entry } from 'ldapts';
import { jitteredRetryAfter } from '../../infra/dependency-outage';
import { ProtocolError } from '../../shared/protocol';
import type { LdapSettings } from './identity.config';
import { escapeBinaryHex, escapeFilterValue, userFilter } from './ldap-filter';

/** What the directory says about a user. */
export interface DirectoryUser {
  dn: string;
  subject: string;
  username: string;
  displayName?: string;
  email?: string;
  groups: string[];
  active: boolean;
}

/** Thrown by the search-then-bind for a wrong password, an unknown user or an ambiguous filter alike. */
export function invalidCredentials(): ProtocolError {
  return new ProtocolError('INVALID_CREDENTIALS', 'wrong username or password');
}

/**
 * The directory, through `ldapts` (one short connection per operation: logins and refresh checks
 * are rare next to messages, and a pooled connection would need its own health keeping).
 * Search-then-bind: the service account finds the user's entry with the configured filter (the
 * typed username RFC 4515-escaped), then a bind with the user's DN and password proves the
 * password. Every connect and operation is bounded by IDENTITY_LDAP_TIMEOUT_MS; anything but a
 * rejected user bind — refused connection, timeout, TLS failure, a refused service account —
 * is an outage: 503 UNAVAILABLE with retry_after_ms, never a login.
 */
export class LdapDirectory {
  private readonly logger = new Logger('LdapDirectory');
  private readonly tls: ConnectionOptions;

  constructor(private readonly settings: LdapSettings) {
    this.tls = settings.caFile ? { ca: readFileSync(settings.caFile) } : {};
  }

  /** The user `username` names, if `password` is theirs; INVALID_CREDENTIALS otherwise. */
  async authenticate(username: string, password: string): Promise<DirectoryUser> {
    // An empty password is an anonymous bind (RFC 4513 5.1.2), which "succeeds": never a login.
    if (password === '') throw invalidCredentials();
    return this.withClient(async (client) => {
      const entries = await this.search(client, userFilter(this.settings.userFilter, username));
      // Zero or several entries: the same answer as a wrong password (no enumeration, no guessing).
      if (entries.length !== 1) throw invalidCredentials();
      const entry = entries[0];
      try {
        await client.bind(entry.dn, password);
      } catch (err) {
        if (err instanceof InvalidCredentialsError) throw invalidCredentials();
        throw err;
      }
      // Back to the service account: the user may not be allowed to read its own operational attributes.
      await client.bind(this.settings.bindDn, this.settings.bindPassword);
      return this.describe(entry, await this.isActive(client, entry.dn));
    });
  }

  /** The entry with this subject now, or null when it was deleted (or moved out of the base DN). */
  async findBySubject(subject: string): Promise<DirectoryUser | null> {
    return this.withClient(async (client) => {
      const value = this.settings.subjectBinary ? escapeBinaryHex(subject) : escapeFilterValue(subject);
      const entries = await this.search(client, `(${this.settings.subjectAttribute}=${value})`);
      if (entries.length !== 1) return null;
      return this.describe(entries[0], await this.isActive(client, entries[0].dn));
    });
  }

  private async isActive(client: Client, dn: string): Promise<boolean> {
    if (!this.settings.activeFilter) return true;
    const { searchEntries } = await client.search(dn, { scope: 'base', filter: this.settings.activeFilter, attributes: ['1.1'] });
    return searchEntries.length === 1;
  }

  private async search(client: Client, filter: string): Promise<Entry[]> {
    const s = this.settings;
    const { searchEntries } = await client.search(s.baseDn, {
      scope: 'sub',
      filter,
      sizeLimit: 2,
      timeLimit: Math.max(1, Math.ceil(s.timeoutMs / 1000)),
      attributes: [s.subjectAttribute, s.usernameAttribute, s.displayNameAttribute, s.emailAttribute, s.groupsAttribute],
      explicitBufferAttributes: s.subjectBinary ? [s.subjectAttribute] : [],
    }).catch((err: unknown) => {
      // Two entries for one username: the filter is ambiguous, which is a refusal, not an outage.
      if (err instanceof SizeLimitExceededError) return { searchEntries: [{}, {}] as Entry[] };
      throw err;
    });
    return searchEntries;
  }

  private describe(entry: Entry, active: boolean): DirectoryUser {
    const s = this.settings;
    const first = (name: string): string | undefined => {
      const v = attribute(entry, name);
      const one = Array.isArray(v) ? v[0] : v;
      if (one === undefined) return undefined;
      return Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
    };
    const raw = attribute(entry, s.subjectAttribute);
    const subjectValue = Array.isArray(raw) ? raw[0] : raw;
    if (subjectValue === undefined || (typeof subjectValue === 'string' && subjectValue === '')) {
      this.logger.error(`entry ${entry.dn} has no ${s.subjectAttribute}: check IDENTITY_LDAP_SUBJECT_ATTRIBUTE`);
      throw invalidCredentials();
    }
    const subject = Buffer.isBuffer(subjectValue) ? subjectValue.toString('hex') : String(subjectValue);
    const groupsRaw = attribute(entry, s.groupsAttribute);
    const groups = (Array.isArray(groupsRaw) ? groupsRaw : groupsRaw === undefined ? [] : [groupsRaw]).map((g) => (Buffer.isBuffer(g) ? g.toString('utf8') : String(g)));
    return {
      dn: entry.dn,
      subject,
      username: first(s.usernameAttribute) ?? subject,
      displayName: first(s.displayNameAttribute),
      email: first(s.emailAttribute),
      groups,
      active,
    };
  }

  /** A fresh connection, bound as the service account; outages become 503. */
  private async withClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const s = this.settings;
    // tlsOptions only for ldaps://: given for ldap:// they break ldapts' StartTLS upgrade (the
    // handshake never completes), which the TLS spec caught.
    const ldaps = /^ldaps:/i.test(s.url);
    const client = new Client({ url: s.url, timeout: s.timeoutMs, connectTimeout: s.timeoutMs, ...(ldaps ? { tlsOptions: this.tls } : {}), strictDN: false });
    try {
      if (s.startTls) await client.startTLS(this.tls);
      await client.bind(s.bindDn, s.bindPassword);
      return await work(client);
    } catch (err) {
      if (err instanceof ProtocolError) throw err;
      // No password in the message: ldapts errors carry result codes and server texts only.
      this.logger.warn(`directory ${s.url} unavailable: ${(err as Error).message ?? err}`);
      const retryAfterMs = jitteredRetryAfter(s.retryAfterMs);
      throw new ProtocolError('UNAVAILABLE', `the company directory cannot be reached; retry after retry_after_ms (${retryAfterMs} ms)`, 503, {
        retry_after_ms: retryAfterMs,
      });
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
}

/** Attribute values by name, case-insensitively (directories differ in the case they answer with). */
function attribute(entry: Entry, name: string): Entry[string] | undefined {
  if (name in entry) return entry[name];
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : entry[key];
}
