/**
 * Byte bounds for frames that carry many messages (history pages, sync pages, offline batches).
 *
 * A message may be large (8,000 CJK characters are 24 KB; `meta`, attachment entries and custom
 * content add more), so "at most 100 messages" alone let one page reach megabytes: over the
 * 1 MiB MAX_FRAME_BYTES that docs/protocol.md tells clients to enforce too, and a member could
 * make every other member's offline batch unreadable. So pages are also cut by size, and one
 * message must fit a page on its own.
 */
import type { WireMessage } from '../../shared/protocol/messages/message.messages';

/** Serialized messages per page/batch stay under this (half the default frame limit). */
export const PAGE_BYTES_BUDGET = 512 * 1024;

/** The largest message (`content` + `attachments` + `meta`, as JSON) message/send accepts. */
export const MESSAGE_MAX_BYTES = 256 * 1024;

export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/**
 * How many of `messages` (in page order) fit the budget: at least one when there is one, so a
 * page always makes progress.
 */
export function fittingCount(messages: readonly WireMessage[], budget = PAGE_BYTES_BUDGET): number {
  let used = 0;
  for (let i = 0; i < messages.length; i++) {
    used += jsonBytes(messages[i]);
    if (used > budget && i > 0) return i;
  }
  return messages.length;
}
