/** The poll module's public API: what other modules may import from it. */
export { PollModule } from './poll.module';
export { POLL_CONTENT_TYPE } from './poll.content-type';
export { PollCommands } from './poll.commands';
export type { PollView } from './poll.service';
