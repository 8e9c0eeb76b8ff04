/**
 * Memoizes class-validator's MetadataStorage.getTargetValidationMetadatas.
 *
 * class-validator recomputes a DTO's rule list on every validate(): it filters the class's
 * metadata and walks EVERY registered class with `instanceof` to collect inherited rules. For the
 * message/send DTO (with nested content/target/attachment DTOs) that was the largest single cost
 * of a request in the profile (8-10 % of server CPU). The rules are fixed once the decorators have
 * run, so the result is cached per (class, schema, options) and the cache is dropped whenever a
 * rule is registered (classes defined later, e.g. by tests, stay correct). Callers only read the
 * returned array (ValidationExecutor groups it by property).
 */
import { getMetadataStorage } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
type Lookup = Storage['getTargetValidationMetadatas'];

const installed = new WeakSet<Storage>();

export function cacheValidationMetadata(storage: Storage = getMetadataStorage()): void {
  if (installed.has(storage)) return;
  installed.add(storage);
  const lookup: Lookup = storage.getTargetValidationMetadatas.bind(storage);
  const addRule = storage.addValidationMetadata.bind(storage);
  let cache = new Map<unknown, Map<string, ReturnType<Lookup>>>();
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0001') ?? ''}`;
    let perTarget = cache.get(target);
    if (!perTarget) cache.set(target, (perTarget = new Map()));
    let rules = perTarget.get(key);
    if (!rules) perTarget.set(key, (rules = lookup(target, schema, always, strictGroups, groups)));
    return rules;
  };
  storage.addValidationMetadata = (metadata) => {
    cache = new Map();
    addRule(metadata);
  };
}
