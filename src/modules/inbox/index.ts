/** The inbox module's public API: what other modules may import from it. */
export { InboxModule } from './inbox.module';
export { InboxCommands } from './inbox.commands';
export { MENTIONS_MAX } from './mention.check';
export { previewOf } from './inbox.service';
export { UnreadTotals } from './unread-totals';
