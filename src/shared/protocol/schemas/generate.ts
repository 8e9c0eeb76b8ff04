/**
 * JSON Schemas generated from the payload DTOs (draft §8: "the protocol can be turned into JSON
 * Schema so clients generate their models"). One file per domain: every `<domain>.messages.ts`
 * under ../messages becomes `<domain>.json` (the envelope file becomes `base.json`, as the draft
 * names it). Domains are discovered from the directory, so a team adding a DTO file gets its
 * schema without editing this generator.
 *
 * Not exported from the package index: it reads the file system and is a build-time tool
 * (`npm run schemas`); test/unit/protocol/schemas.spec.ts fails when the committed files are stale.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import 'reflect-metadata';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { targetConstructorToSchema, validationMetadatasToSchemas } from 'class-validator-jsonschema';

// class-transformer keeps @Type metadata in a storage it does not export from its entry point;
// class-validator-jsonschema needs it to emit $refs for nested DTOs (see its README).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');

export type JsonSchema = Record<string, unknown>;

export const MESSAGES_DIR = join(__dirname, '..', 'messages');
const MESSAGE_FILE = /^([a-z0-9-]+)\.messages\.(ts|js)$/;
const REF_PREFIX = '#/definitions/';
const SCHEMA_DIALECT = 'http://json-schema.org/draft-07/schema#';

type Meta = { target: Function | string; propertyName: string };

/**
 * JSON Schema for a TypeScript design type. The library's default turns every non-primitive
 * design type into a `$ref`, which yields dangling `#/definitions/Array` / `Object` for custom
 * validators on arrays, records, unions and type aliases: those become plain array/any schemas.
 */
function designTypeSchema(type: unknown, known: (name: string) => boolean): JsonSchema {
  if (type === String) return { type: 'string' };
  if (type === Number) return { type: 'number' };
  if (type === Boolean) return { type: 'boolean' };
  if (type === Array) return { type: 'array' };
  if (typeof type === 'function' && type !== Object && known(type.name)) {
    return { $ref: `${REF_PREFIX}${type.name}` };
  }
  return {};
}

function converters(known: (name: string) => boolean) {
  const designType = (meta: Meta): unknown =>
    typeof meta.target === 'function'
      ? Reflect.getMetadata('design:type', meta.target.prototype, meta.propertyName)
      : undefined;
  return {
    [ValidationTypes.CUSTOM_VALIDATION]: (meta: Meta) => designTypeSchema(designType(meta), known),
    [ValidationTypes.NESTED_VALIDATION]: (meta: Meta) => {
      const typeMeta =
        typeof meta.target === 'function'
          ? defaultMetadataStorage.findTypeMetadata(meta.target, meta.propertyName)
          : undefined;
      const nested = typeMeta ? typeMeta.typeFunction() : designType(meta);
      return nested === Object || nested === Array
        ? { type: nested === Array ? 'array' : 'object' }
        : designTypeSchema(nested, known);
    },
  };
}

/** `envelope` → `base` (the draft's name for the envelope schema); other domains keep theirs. */
export function schemaFileName(domain: string): string {
  return `${domain === 'envelope' ? 'base' : domain}.json`;
}

/** Domain name → loaded module, for every `<domain>.messages.{ts,js}` file, sorted by domain. */
export function loadMessageModules(dir = MESSAGES_DIR): Map<string, Record<string, unknown>> {
  const modules = new Map<string, Record<string, unknown>>();
  for (const file of readdirSync(dir).sort()) {
    const match = MESSAGE_FILE.exec(file);
    if (!match || modules.has(match[1])) continue;
    // Dynamic on purpose: discovering the files is what lets teams add domains without edits here.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    modules.set(match[1], require(join(dir, file)) as Record<string, unknown>);
  }
  return modules;
}

function isClass(value: unknown): value is Function & { prototype: object; name: string } {
  return typeof value === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

export function collectRefs(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, into);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(REF_PREFIX)) {
        into.add(value.slice(REF_PREFIX.length));
      } else {
        collectRefs(value, into);
      }
    }
  }
}

/**
 * The schema of every class with validation metadata loaded so far, keyed by class name (`$ref`s
 * point at `#/definitions/<name>`), and `schemaOf(cls)`, which also covers a subclass without
 * decorators of its own (adding it to `all`; undefined when it has no properties at all).
 */
export function classSchemas(): { all: Record<string, JsonSchema>; schemaOf(cls: Function): JsonSchema | undefined } {
  // Classes with validation metadata: the only legitimate $ref targets.
  const withMetadata = new Set<string>();
  for (const [target] of getMetadataStorage()['validationMetadatas'] as Map<Function, unknown>) {
    withMetadata.add(target.name);
  }
  const options = {
    classTransformerMetadataStorage: defaultMetadataStorage,
    refPointerPrefix: REF_PREFIX,
    additionalConverters: converters((name) => withMetadata.has(name)),
  };
  const all = validationMetadatasToSchemas(options) as Record<string, JsonSchema>;
  const schemaOf = (cls: Function): JsonSchema | undefined => {
    if (all[cls.name]) return all[cls.name];
    const inherited = targetConstructorToSchema(cls, options) as JsonSchema;
    if (!inherited || Object.keys(inherited).length === 0) return undefined;
    all[cls.name] = inherited;
    return inherited;
  };
  return { all, schemaOf };
}

/** Recursively sorts object keys so the output does not depend on decorator evaluation order. */
export function sortKeys(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(sortKeys);
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.keys(node)
        .sort()
        .map((key) => [key, sortKeys((node as Record<string, unknown>)[key])]),
    );
  }
  return node;
}

/**
 * Builds `{ 'base.json': schema, 'auth.json': schema, ... }`. Each file holds the DTO classes its
 * domain exports under `definitions`, plus any class they reference from another domain, so every
 * file is self-contained. Throws when two domains export a class with the same name (schemas are
 * keyed by class name).
 */
export function generateSchemas(dir = MESSAGES_DIR): Record<string, JsonSchema> {
  const modules = loadMessageModules(dir);
  const { all, schemaOf } = classSchemas();

  const owner = new Map<string, { domain: string; cls: Function }>();
  const domainClasses = new Map<string, string[]>();
  for (const [domain, exports] of modules) {
    const names: string[] = [];
    for (const [exportName, value] of Object.entries(exports)) {
      if (!isClass(value) || exportName !== value.name) continue;
      if (!all[value.name]) {
        // A subclass without decorators of its own (e.g. an alias of a shared shape).
        const inherited = schemaOf(value);
        if (!inherited) continue;
      }
      const previous = owner.get(value.name);
      if (previous && previous.cls !== value) {
        throw new Error(
          `two different DTO classes are named ${value.name} (${previous.domain} and ${domain}); rename one`,
        );
      }
      // A class re-exported by a second domain stays defined once, in its first domain.
      if (previous) continue;
      owner.set(value.name, { domain, cls: value });
      names.push(value.name);
    }
    domainClasses.set(domain, names);
  }

  const files: Record<string, JsonSchema> = {};
  for (const [domain, names] of domainClasses) {
    const included = new Set<string>();
    const queue = [...names];
    while (queue.length > 0) {
      const name = queue.pop()!;
      if (included.has(name)) continue;
      if (!all[name]) throw new Error(`${domain}: schema references unknown class ${name}`);
      included.add(name);
      const refs = new Set<string>();
      collectRefs(all[name], refs);
      queue.push(...refs);
    }
    const definitions = Object.fromEntries([...included].sort().map((name) => [name, all[name]]));
    const file: JsonSchema = {
      $schema: SCHEMA_DIALECT,
      $id: `switchboard/${schemaFileName(domain)}`,
      title: `Switchboard protocol: ${domain === 'envelope' ? 'frame envelope' : `${domain} payloads`}`,
      ...(domain === 'envelope' ? { $ref: `${REF_PREFIX}EnvelopeDto` } : {}),
      definitions,
    };
    files[schemaFileName(domain)] = sortKeys(file) as JsonSchema;
  }
  return files;
}

/** The exact text written to disk for one schema (stable, newline-terminated). */
export function serializeSchema(schema: JsonSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
