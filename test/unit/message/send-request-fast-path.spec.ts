/**
 * The message/send fast check against the full validation pipe (class-transformer +
 * class-validator + null check): for every payload below, either the fast check declines
 * (undefined) and the pipe's own answer stands, or it returns exactly what the full pipe returns.
 * Every valid sample must actually take the fast path, and every invalid one must decline.
 */
import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { createValidationPipe } from '../../../src/common/pipes/protocol-validation.pipe';
import { registerFastPayloadCheck } from '../../../src/common/pipes/fast-payload-validators';
import { fastSendMessageRequest } from '../../../src/modules/message/send-request-fast-path';
import { MessageTarget, SendMessageRequest } from '../../../src/shared/protocol/messages/message.messages';

const metadata: ArgumentMetadata = { type: 'body', metatype: SendMessageRequest };
const text = { type: 'text', text: 'hello' };

const valid: unknown[] = [
  { target: { type: 'user', id: 'u-2' }, content: text },
  { target: { type: 'group', id: 'g-1' }, content: text, conversation_id: 'g-1' },
  { target: { type: 'user', id: 'a.b:c_d-9' }, content: text, conversation_id: '' },
  { target: { type: 'broadcast' }, content: text },
  { target: { type: 'broadcast', id: 'broadcast' }, content: text },
  { target: { type: 'user', id: 'u-2' }, content: { ...text, extra: { nested: [1, 'two', null] } } },
  { target: { type: 'user', id: 'u-2' }, content: text, attachments: [] },
  { target: { type: 'user', id: 'u-2' }, content: text, attachments: [{ file_id: 'f-1', name: 'a.png', size: 2048, custom: true }] },
  { target: { type: 'user', id: 'u-2' }, content: text, meta: {} },
  { target: { type: 'user', id: 'u-2' }, content: text, meta: { reply_to: null, priority: 'high', tag: { x: 1 } } },
  { target: { type: 'user', id: 'u-2' }, content: text, meta: { reply_to: 'm-1' } },
  { target: { type: 'user', id: 'u-2' }, content: { type: 'custom', data: { a: [1, { b: 2 }] }, schema: 'x/1' } },
  { target: { type: 'user', id: 'u-2' }, content: { type: 'command', name: 'roll', args: ['d20'] } },
];

/** Accepted by the full pipe, but not the common shape: the fast check leaves them to it. */
const declined: unknown[] = [
  // stripped by the whitelist
  { target: { type: 'user', id: 'u-2' }, content: text, unknown_field: 1 },
  { target: { type: 'user', id: 'u-2', extra: 1 }, content: text },
  // refused later by the service (message.service checkLimits), not by the DTO
  { target: [{ type: 'user', id: 'u-2' }], content: text },
];

const invalid: unknown[] = [
  null,
  'text',
  [],
  {},
  { target: { type: 'user', id: 'u-2' } },
  { content: text },
  { target: null, content: text },
  { target: { type: 'room', id: 'u-2' }, content: text },
  { target: { type: 'user' }, content: text },
  { target: { type: 'user', id: null }, content: text },
  { target: { type: 'broadcast', id: null }, content: text },
  { target: { type: 'user', id: 'has space' }, content: text },
  { target: { type: 'user', id: 'x'.repeat(65) }, content: text },
  { target: { type: 'user', id: 7 }, content: text },
  { target: { type: 'user', id: 'u-2' }, content: null },
  { target: { type: 'user', id: 'u-2' }, content: 'hello' },
  { target: { type: 'user', id: 'u-2' }, content: { type: 'nope' } },
  { target: { type: 'user', id: 'u-2' }, content: { type: 'text' } },
  { target: { type: 'user', id: 'u-2' }, content: text, conversation_id: null },
  { target: { type: 'user', id: 'u-2' }, content: text, conversation_id: 5 },
  { target: { type: 'user', id: 'u-2' }, content: text, conversation_id: 'c'.repeat(65) },
  { target: { type: 'user', id: 'u-2' }, content: text, attachments: null },
  { target: { type: 'user', id: 'u-2' }, content: text, attachments: {} },
  { target: { type: 'user', id: 'u-2' }, content: text, attachments: [null] },
  { target: { type: 'user', id: 'u-2' }, content: text, attachments: [{ name: 'no id' }] },
  { target: { type: 'user', id: 'u-2' }, content: text, attachments: [{ file_id: 'f', size: -1 }] },
  { target: { type: 'user', id: 'u-2' }, content: text, meta: null },
  { target: { type: 'user', id: 'u-2' }, content: text, meta: [] },
  { target: { type: 'user', id: 'u-2' }, content: text, meta: 'x' },
  { target: { type: 'user', id: 'u-2' }, content: text, meta: { priority: 'urgent' } },
  { target: { type: 'user', id: 'u-2' }, content: text, meta: { reply_to: 5 } },
];

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The full class-transformer + class-validator path of the app's pipe (no fast check). */
async function fullPipe(payload: unknown): Promise<{ ok: unknown } | { error: unknown }> {
  const pipe = createValidationPipe();
  try {
    return { ok: await ValidationPipe.prototype.transform.call(pipe, clone(payload), metadata) };
  } catch (error) {
    return { error };
  }
}

describe('message/send fast payload check', () => {
  it.each(valid.map((p) => [JSON.stringify(p), p]))('takes the fast path and builds what the full pipe builds: %s', async (_, payload) => {
    const full = await fullPipe(payload);
    expect(full).toHaveProperty('ok');
    const fast = fastSendMessageRequest(clone(payload));
    expect(fast).toBeInstanceOf(SendMessageRequest);
    expect(fast!.target).toBeInstanceOf(MessageTarget);
    expect(fast).toStrictEqual((full as { ok: unknown }).ok);
  });

  it.each(invalid.map((p) => [JSON.stringify(p), p]))('declines what the full pipe refuses: %s', async (_, payload) => {
    const full = await fullPipe(payload);
    expect(full).toHaveProperty('error');
    expect(fastSendMessageRequest(clone(payload))).toBeUndefined();
  });

  it.each(declined.map((p) => [JSON.stringify(p), p]))('leaves an unusual but accepted shape to the full pipe: %s', async (_, payload) => {
    expect(await fullPipe(payload)).toHaveProperty('ok');
    expect(fastSendMessageRequest(clone(payload))).toBeUndefined();
  });

  it('the app pipe with the check registered answers every sample exactly like the full pipe', async () => {
    registerFastPayloadCheck(SendMessageRequest, fastSendMessageRequest);
    const pipe = createValidationPipe();
    for (const payload of [...valid, ...declined]) {
      expect(await pipe.transform(clone(payload), metadata)).toStrictEqual((await fullPipe(payload) as { ok: unknown }).ok);
    }
    for (const payload of invalid) {
      const full = (await fullPipe(payload)) as { error: Error };
      const error = (await pipe.transform(clone(payload), metadata).then(() => undefined, (e: Error) => e))!;
      // Same class, text and every field (code, status, the per-field problems).
      expect(error.constructor).toBe(full.error.constructor);
      expect({ ...error, message: error.message }).toStrictEqual({ ...full.error, message: full.error.message });
    }
  });
});
