/**
 * The compiled accept-only checks against the full validation pipe (class-transformer +
 * class-validator + null check), for every DTO class of the protocol package: generated payloads
 * (every declared field absent or drawn from a pool of valid and invalid values, including the
 * DTOs' own constraint values, nulls, objects and undeclared keys). Whenever the compiled check
 * accepts a payload, the full pipe must accept it too and return an equal instance of the same
 * class; whenever the full pipe refuses, the compiled check must have declined, so the answer
 * (every 400's text) comes from the full pipe as before.
 */
import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { TransformationType } from 'class-transformer';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compiledPayloadCheck } from '../../../src/common/pipes/compiled-payload-check';
import { createValidationPipe } from '../../../src/common/pipes/protocol-validation.pipe';
import { PresenceListRequest, PresenceSubscribeRequest } from '../../../src/shared/protocol/messages/presence.messages';
import { seededRandom } from '../../support/seeded-random';

// The storage plainToInstance reads (as in the compiler itself and schemas/generate.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');

const MESSAGES = join(__dirname, '../../../src/shared/protocol/messages');
const pipe = createValidationPipe();

/** Every class exported by the protocol message modules that carries validation rules. */
function dtoClasses(): Function[] {
  const out = new Set<Function>();
  for (const file of readdirSync(MESSAGES).filter((f) => f.endsWith('.ts'))) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    for (const value of Object.values(require(join(MESSAGES, file)) as Record<string, unknown>)) {
      if (typeof value === 'function' && getMetadataStorage().getTargetValidationMetadatas(value, '', false, false).length > 0) out.add(value);
    }
  }
  return [...out];
}

/** The full pipe's answer: the instance, or the thrown error. */
async function full(dto: Function, payload: unknown): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  const metadata: ArgumentMetadata = { type: 'body', metatype: dto as ArgumentMetadata['metatype'] };
  try {
    return { ok: true, value: await ValidationPipe.prototype.transform.call(pipe, payload, metadata) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** A fresh copy as JSON.parse makes it (structuredClone under jest builds objects of another realm). */
function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}


const BASE_POOL: unknown[] = [
  'u-1', 'g-2', '', ' ', 'hello world', 'bad id!', 'x'.repeat(65), 'y'.repeat(600), 'online', 'invisible', 'dXNlcg', '1.1',
  0, 1, -1, 1.5, 50, 200, 201, 10_000, true, false,
  [], ['u-1'], ['u-1', 'u-2'], ['bad id!'], [1], ['u-1', 1], Array(201).fill('u-1'), [['u-1']], [null],
  null, {}, { a: 1 },
];

/** The pool plus the class's own constraint values (IsIn lists, lengths, bounds) and arrays of them. */
function poolFor(dto: Function): unknown[] {
  const pool = [...BASE_POOL];
  for (const m of getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false)) {
    for (const c of (m.constraints ?? []) as unknown[]) {
      for (const v of Array.isArray(c) ? c : [c]) {
        if (typeof v === 'string') pool.push(v, [v]);
        if (typeof v === 'number') pool.push(v, v - 1, v + 1);
      }
    }
  }
  return pool;
}

describe('compiled payload checks agree with the full validation pipe', () => {
  const classes = dtoClasses();
  const exercised = new Set<Function>();

  it('finds the protocol DTOs and compiles the flat ones', () => {
    expect(classes.length).toBeGreaterThan(20);
    expect(compiledPayloadCheck(PresenceListRequest)).toBeDefined();
    expect(compiledPayloadCheck(PresenceSubscribeRequest)).toBeDefined();
  });

  it('declines to compile only DTOs with a rule it leaves to the full pipe (nested/promise validation, class-transformer metadata)', () => {
    const declined = classes.filter((dto) => compiledPayloadCheck(dto) === undefined);
    const unexplained = declined.filter((dto) => {
      const nested = getMetadataStorage()
        .getTargetValidationMetadatas(dto, '', false, false)
        .some((m) => m.type === ValidationTypes.NESTED_VALIDATION || m.type === ValidationTypes.PROMISE_VALIDATION);
      const transformed =
        defaultMetadataStorage.getExposedMetadatas(dto).length + defaultMetadataStorage.getExcludedMetadatas(dto).length > 0 ||
        Object.keys(new (dto as new () => object)()).length > 0 ||
        getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false).some((m) => defaultMetadataStorage.findTypeMetadata(dto, m.propertyName) !== undefined || defaultMetadataStorage.findTransformMetadatas(dto, m.propertyName, TransformationType.PLAIN_TO_CLASS).length > 0);
      return !nested && !transformed;
    });
    expect(unexplained.map((dto) => dto.name)).toEqual([]);
  });

  // Only DTOs with a compiled check have a fast path to compare (the test above accounts for the rest).
  it.each(classes.filter((dto) => compiledPayloadCheck(dto) !== undefined).map((c) => [c.name, c] as const))('%s: accepted only what the full pipe accepts, as the same instance', async (_name, dto) => {
    const check = compiledPayloadCheck(dto)!;
    const fields = [...new Set(getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false).map((m) => m.propertyName))];
    const pool = poolFor(dto);
    const next = seededRandom(fields.length * 7919 + dto.name.length);
    let accepted = 0;
    for (let i = 0; i < 400; i++) {
      const payload: Record<string, unknown> = {};
      for (const field of fields) if (next() < 0.75) payload[field] = clone(pool[Math.floor(next() * pool.length)]);
      if (next() < 0.05) payload.undeclared = 'x';
      const fast = check(clone(payload));
      const answer = await full(dto, clone(payload));
      if (fast !== undefined) {
        expect({ payload, answer: answer.ok }).toEqual({ payload, answer: true });
        expect(fast).toBeInstanceOf(dto);
        expect(fast).toStrictEqual((answer as { value: unknown }).value);
        accepted++;
      }
    }
    if (accepted > 0) exercised.add(dto);
  });

  it('the generated payloads did exercise the compiled path of most DTOs', () => {
    // A few DTOs need values the pool does not hold (they are still checked for agreement above).
    expect(exercised.size).toBeGreaterThan(25);
  });

  it('presence/list payloads a client sends take the compiled path with the full pipe\'s result', async () => {
    const check = compiledPayloadCheck(PresenceListRequest)!;
    for (const payload of [{}, { user_ids: ['u-1'] }, { user_ids: ['u-1', 'a.b:c_d-9'] }, { limit: 10 }, { cursor: 'abc', limit: 200 }]) {
      const fast = check(clone(payload));
      expect(fast).toBeInstanceOf(PresenceListRequest);
      expect(fast).toStrictEqual(((await full(PresenceListRequest, clone(payload))) as { value: unknown }).value);
    }
    for (const payload of [{ user_ids: [] }, { user_ids: ['bad id!'] }, { limit: 0 }, { limit: null }, { user_ids: 'u-1' }, { other: 1 }]) {
      expect(check(clone(payload))).toBeUndefined();
      expect((await full(PresenceListRequest, clone(payload))).ok).toBe(payload.other === 1);
    }
  });

  it('the registered pipe answers an invalid presence/list exactly like the full pipe', async () => {
    const metadata: ArgumentMetadata = { type: 'body', metatype: PresenceListRequest };
    const payload = { user_ids: ['bad id!'], limit: 0 };
    const viaPipe = await pipe.transform(clone(payload), metadata).catch((e: unknown) => e);
    const viaFull = await full(PresenceListRequest, clone(payload));
    expect(viaFull.ok).toBe(false);
    expect(viaPipe).toEqual((viaFull as { error: unknown }).error);
    expect((viaPipe as Error).message).toBe(((viaFull as { error: unknown }).error as Error).message);
  });
});
