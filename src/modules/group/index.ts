/** The group module's public API: what other modules may import from it. */
export { GroupModule } from './group.module';
export { GroupMembershipSync } from './group-membership-sync';
export type { MembershipSyncResult } from './group-membership-sync';
