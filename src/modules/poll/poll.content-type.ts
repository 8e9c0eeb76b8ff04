/**
 * The `poll` message content type: `message/send` with `content: { type: "poll", poll_id }`
 * shares a poll in a conversation. Registered at import time, once per process, from here — the
 * protocol package's registry is open for modules (no edit of src/shared).
 */
import { contentTypes, requireString } from '../../shared/protocol/extensions';

export const POLL_CONTENT_TYPE = 'poll';

if (!contentTypes.has(POLL_CONTENT_TYPE)) {
  contentTypes.register({
    type: POLL_CONTENT_TYPE,
    description: 'A poll created with poll/create: { poll_id }.',
    validate: (c) => requireString(c, 'poll_id'),
  });
}
