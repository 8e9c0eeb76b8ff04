/**
 * What the message module needs to know about users, as a port: the auth module's UsersService
 * provides it (see message.module.ts), and nothing here touches the users table.
 */
export abstract class UserDirectory {
  /** The subset of `ids` that are existing users. */
  abstract exists(ids: string[]): Promise<string[]>;
  abstract isAdmin(id: string): Promise<boolean>;
}
