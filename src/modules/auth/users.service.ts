import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ProtocolError } from '../../shared/protocol';
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  PASSWORD_RULE,
  USERNAME_PATTERN,
  USERNAME_RULE,
} from '../../shared/protocol/messages/auth.messages';
import { UserEntity, UserRole } from './entities/user.entity';
import { PasswordService } from './password.service';
import { DirectoryMatch, UsersRepository } from './users.repository';

export interface UserView {
  id: string;
  username: string;
  displayName: string;
  statusText: string | null;
  role: UserRole;
  createdAt: number;
  disabledAt: number | null;
}

/**
 * The stored "hash" of accounts created by a company sign-in provider: not a PHC string, so no
 * password ever verifies against it (the login checks it before argon2 and fails like a wrong
 * password).
 */
export const EXTERNAL_PASSWORD_HASH = '!external';

/**
 * A valid Switchboard username made from what a provider calls the user ("Jane.Doe@corp.example"
 * → "Jane.Doe"): the local part of an e-mail address, characters outside the username rule
 * replaced by "_", cut to 28 characters (room for a collision suffix), "user" when nothing is left.
 */
export function usernameFromExternal(name: string): string {
  const local = name.includes('@') ? name.slice(0, name.indexOf('@')) : name;
  const cleaned = local.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 28);
  return cleaned.length >= 3 ? cleaned : `user${cleaned ? `_${cleaned}` : ''}`.slice(0, 28);
}

export function normalizeUsername(username: string): string {
  return username.toLowerCase();
}

/** Checks the password rule; throws 400 WEAK_PASSWORD saying what is required. */
export function assertPasswordStrength(username: string, password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw new ProtocolError('WEAK_PASSWORD', `${PASSWORD_RULE} (got ${password.length} characters)`);
  }
  if (normalizeUsername(password) === normalizeUsername(username)) {
    throw new ProtocolError('WEAK_PASSWORD', PASSWORD_RULE);
  }
}

/**
 * Accounts. Exported by AuthModule so other modules can check that users exist (`exists`) and
 * who is an admin, without touching the users table themselves.
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordService,
  ) {}

  async create(input: { username: string; password: string; displayName?: string; role?: UserRole }): Promise<UserView> {
    if (!USERNAME_PATTERN.test(input.username)) throw new ProtocolError('VALIDATION_FAILED', USERNAME_RULE, 400, { fields: [{ field: 'username', problems: [USERNAME_RULE] }] });
    assertPasswordStrength(input.username, input.password);
    const normalized = normalizeUsername(input.username);
    // Cheap pre-check so a taken name does not cost an argon2 hash; the unique index decides races.
    if (await this.users.findByNormalizedUsername(normalized)) throw usernameTaken(input.username);
    const user = Object.assign(new UserEntity(), {
      id: `u-${randomBytes(8).toString('hex')}`,
      username: input.username,
      usernameNormalized: normalized,
      displayName: input.displayName ?? input.username,
      statusText: null,
      role: input.role ?? 'user',
      passwordHash: await this.passwords.hash(input.password),
      createdAt: Date.now(),
      disabledAt: null,
    });
    if (!(await this.users.insert(user))) throw usernameTaken(input.username);
    return toView(user);
  }

  /**
   * An account for a user a company sign-in provider vouches for (just-in-time provisioning): no
   * usable password. The preferred name is cleaned (usernameFromExternal); when taken, "-2",
   * "-3", ... up to "-9" are tried, then a random 4-hex-digit suffix (the unique index decides
   * races).
   */
  async createExternal(input: { preferredUsername: string; displayName: string; role: UserRole }): Promise<UserView> {
    const base = usernameFromExternal(input.preferredUsername);
    const candidates = [base, ...[2, 3, 4, 5, 6, 7, 8, 9].map((n) => `${base}-${n}`)];
    for (let attempt = 0; attempt < candidates.length + 5; attempt++) {
      const username = candidates[attempt] ?? `${base}-${randomBytes(2).toString('hex')}`;
      // Cheap pre-check (a taken name is the common case here); the unique index decides races.
      if (await this.users.findByNormalizedUsername(normalizeUsername(username))) continue;
      const user = Object.assign(new UserEntity(), {
        id: `u-${randomBytes(8).toString('hex')}`,
        username,
        usernameNormalized: normalizeUsername(username),
        displayName: input.displayName.slice(0, 64) || username,
        statusText: null,
        role: input.role,
        passwordHash: EXTERNAL_PASSWORD_HASH,
        createdAt: Date.now(),
        disabledAt: null,
      });
      if (await this.users.insert(user)) return toView(user);
    }
    throw new ProtocolError('CONFLICT', `no free username derived from "${base}"; ask an administrator`, 409);
  }

  async findById(id: string): Promise<UserView | null> {
    const user = await this.users.findById(id);
    return user ? toView(user) : null;
  }

  async findByUsername(username: string): Promise<UserView | null> {
    const user = await this.users.findByNormalizedUsername(normalizeUsername(username));
    return user ? toView(user) : null;
  }

  /** Users by id (missing ids are absent from the map; disabled users included). */
  async findMany(ids: string[]): Promise<Map<string, UserView>> {
    const rows = await this.users.findByIds([...new Set(ids)]);
    return new Map(rows.map((u) => [u.id, toView(u)]));
  }

  /** Changes what the directory shows (user/profile); undefined fields stay as they are. */
  async updateProfile(id: string, changes: { displayName?: string; statusText?: string | null }): Promise<void> {
    const update: Partial<UserEntity> = {};
    if (changes.displayName !== undefined) update.displayName = changes.displayName;
    if (changes.statusText !== undefined) update.statusText = changes.statusText;
    if (Object.keys(update).length > 0) await this.users.update(id, update);
  }

  /**
   * The directory's search (user/lookup, user/profile): enabled users matching `match`, minus
   * `exclude`, only among `only` when given, by username. Who to exclude or keep is the caller's
   * rule (the directory asks the contact module for blocks and relations).
   */
  async searchEnabled(match: DirectoryMatch, filter: { exclude: string[]; only?: string[] }, limit: number): Promise<UserView[]> {
    return (await this.users.searchEnabled(match, filter, limit)).map(toView);
  }

  /** The subset of `ids` that are existing users (disabled ones included). */
  exists(ids: string[]): Promise<string[]> {
    return this.users.existingIds([...new Set(ids)]);
  }

  async isAdmin(id: string): Promise<boolean> {
    const user = await this.users.findById(id);
    return user?.role === 'admin' && user.disabledAt === null;
  }

  async list(): Promise<UserView[]> {
    return (await this.users.list()).map(toView);
  }

  setRole(id: string, role: UserRole): Promise<void> {
    return this.users.setRole(id, role);
  }

  setDisabled(id: string, disabled: boolean): Promise<void> {
    return this.users.setDisabledAt(id, disabled ? Date.now() : null);
  }

  /** For login only: the stored hash is never part of UserView. */
  findForLogin(username: string): Promise<UserEntity | null> {
    return this.users.findByNormalizedUsername(normalizeUsername(username));
  }
}

function usernameTaken(username: string): ProtocolError {
  return new ProtocolError('USERNAME_TAKEN', `username "${username}" is already taken (usernames are case-insensitive); choose another`);
}

function toView(user: UserEntity): UserView {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    statusText: user.statusText ?? null,
    role: user.role,
    createdAt: user.createdAt,
    disabledAt: user.disabledAt,
  };
}
