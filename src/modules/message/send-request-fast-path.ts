/**
 * The accept-only fast check of message/send's payload (see common/pipes/fast-payload-validators.ts):
 * the same rules as SendMessageRequest's decorators for the common shape, building the same
 * instances class-transformer would (SendMessageRequest with a MessageTarget), without
 * plainToInstance and class-validator's executor (together ≈ 20 % of a send's server CPU in the
 * relay profile). Anything else — a failing rule, a null, an undeclared key the whitelist would
 * strip — returns undefined, and the full pipe answers it (so every 400 keeps its exact text).
 *
 * `content`, `attachments` and `meta` are kept as parsed (class-transformer would copy them into
 * equal plain objects; nothing downstream tells a copy from the original).
 */
import { contentTypes } from '../../shared/protocol/extensions';
import {
  attachmentError,
  ID_PATTERN,
  MessageTarget,
  metaError,
  SendMessageRequest,
  TARGET_TYPES,
} from '../../shared/protocol/messages/message.messages';

type Plain = Record<string, unknown>;

function plain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function onlyKeys(value: Plain, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

const SEND_KEYS: ReadonlySet<string> = new Set(['conversation_id', 'target', 'content', 'attachments', 'meta']);
const TARGET_KEYS: ReadonlySet<string> = new Set(['type', 'id']);

function target(value: unknown): MessageTarget | undefined {
  if (!plain(value) || !onlyKeys(value, TARGET_KEYS)) return undefined;
  const { type, id } = value;
  if (!(TARGET_TYPES as readonly unknown[]).includes(type)) return undefined;
  // @ValidateIf: the id is checked unless a broadcast omits it.
  if (type !== 'broadcast' || id !== undefined) {
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) return undefined;
  }
  const t = new MessageTarget();
  t.type = type as MessageTarget['type'];
  t.id = id as string | undefined;
  return t;
}

export function fastSendMessageRequest(payload: unknown): SendMessageRequest | undefined {
  if (!plain(payload) || !onlyKeys(payload, SEND_KEYS)) return undefined;
  const { conversation_id, content, attachments, meta } = payload;
  if (conversation_id !== undefined && (typeof conversation_id !== 'string' || conversation_id.length > 64)) return undefined;
  const t = target(payload.target);
  if (!t) return undefined;
  if (content === undefined || content === null || contentTypes.validate(content) !== undefined) return undefined;
  if (attachments !== undefined) {
    if (!Array.isArray(attachments)) return undefined;
    for (let i = 0; i < attachments.length; i++) if (attachmentError(attachments[i], i) !== undefined) return undefined;
  }
  if (meta !== undefined && (Array.isArray(meta) || metaError(meta) !== undefined)) return undefined;
  const dto = new SendMessageRequest();
  dto.conversation_id = conversation_id as string | undefined;
  dto.target = t;
  dto.content = content as SendMessageRequest['content'];
  dto.attachments = attachments as SendMessageRequest['attachments'];
  dto.meta = meta as SendMessageRequest['meta'];
  return dto;
}
