import { defineFeature } from '../../common/feature/feature';
import { InboxCommands } from './inbox.commands';
import { InboxModule } from './inbox.module';

/** Everything the inbox module contributes to the app, declared from its own folder. */
export const inboxFeature = defineFeature({ name: 'inbox', module: InboxModule, commands: InboxCommands });
