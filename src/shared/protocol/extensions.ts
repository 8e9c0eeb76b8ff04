/**
 * Content types of `payload.content` (draft §2.3 and §8): a registry that teams extend from
 * their own module without editing this file:
 *
 *   contentTypes.register({
 *     type: 'location',
 *     description: 'A point on a map.',
 *     validate: (c) => (typeof c.lat === 'number' ? undefined : 'content.lat must be a number'),
 *   });
 *
 * Register at module top level (an import side effect runs once per process). Registering a
 * type that already exists throws unless `{ replace: true }` is passed, so two teams cannot
 * silently overwrite each other's definition.
 */
import { FILE_NAME_PATTERN, FILE_NAME_RULE } from './file-names';

export type Content = { type: string } & Record<string, unknown>;

export interface ContentTypeDefinition {
  /** Lower-case name, e.g. `text`, `file-ref`, `acme/poll` (vendor prefix recommended). */
  readonly type: string;
  readonly description: string;
  /**
   * Checks the type-specific fields. Returns a message saying what to fix (naming the field,
   * e.g. `content.text must be a non-empty string`), or undefined when the content is valid.
   */
  readonly validate?: (content: Content) => string | undefined;
}

export interface RegisterOptions {
  /** Allow replacing an existing definition (built-ins included). */
  replace?: boolean;
}

const TYPE_NAME = /^[a-z][a-z0-9-]*(\/[a-z][a-z0-9-]*)?$/;
export const MAX_CONTENT_TYPE_LENGTH = 64;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class ContentTypeRegistry {
  private readonly types = new Map<string, ContentTypeDefinition>();

  register(definition: ContentTypeDefinition, options: RegisterOptions = {}): this {
    const { type } = definition;
    if (typeof type !== 'string' || type.length > MAX_CONTENT_TYPE_LENGTH || !TYPE_NAME.test(type)) {
      throw new TypeError(
        `content type name ${JSON.stringify(type)} is invalid: use lower-case letters, digits and "-", optionally "vendor/name"`,
      );
    }
    if (this.types.has(type) && !options.replace) {
      throw new Error(`content type "${type}" is already registered (pass { replace: true } to override it)`);
    }
    this.types.set(type, Object.freeze({ ...definition }));
    return this;
  }

  /** Removes a type; returns whether it existed. Meant for tests and feature toggles. */
  unregister(type: string): boolean {
    return this.types.delete(type);
  }

  has(type: string): boolean {
    return this.types.has(type);
  }

  get(type: string): ContentTypeDefinition | undefined {
    return this.types.get(type);
  }

  /** Registered types in registration order (built-ins first). */
  list(): ContentTypeDefinition[] {
    return [...this.types.values()];
  }

  /**
   * Validates a whole `content` object: it must be an object whose `type` is registered, and
   * the type's own validator must accept it. Returns a human-readable error or undefined.
   */
  validate(content: unknown): string | undefined {
    if (!isPlainObject(content)) return 'content must be an object with a "type" field';
    const { type } = content;
    if (typeof type !== 'string' || type.length === 0) {
      return 'content.type must be a non-empty string';
    }
    const definition = this.types.get(type);
    if (!definition) {
      return `content.type "${type.slice(0, MAX_CONTENT_TYPE_LENGTH)}" is not supported; use one of: ${[...this.types.keys()].join(', ')}`;
    }
    return definition.validate?.(content as Content);
  }
}

// ---------------------------------------------------------------------------------------------
// Field checks shared by the built-ins (exported so extensions can reuse the same wording).

export function requireString(content: Content, field: string): string | undefined {
  const value = content[field];
  return typeof value === 'string' && value.length > 0
    ? undefined
    : `content.${field} must be a non-empty string`;
}

export function optionalString(content: Content, field: string): string | undefined {
  return content[field] === undefined || typeof content[field] === 'string'
    ? undefined
    : `content.${field} must be a string when present`;
}

function nonNegativeInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export const MARKUP_FORMATS: readonly string[] = ['markdown', 'html'];

export const BUILTIN_CONTENT_TYPES: readonly ContentTypeDefinition[] = [
  {
    type: 'text',
    description: 'Plain text: { text }.',
    validate: (c) => requireString(c, 'text'),
  },
  {
    type: 'emoji',
    description: 'One emoji or a short emoji sequence: { emoji } or { text }.',
    validate: (c) =>
      (typeof c.emoji === 'string' && c.emoji.length > 0) || (typeof c.text === 'string' && c.text.length > 0)
        ? undefined
        : 'content.emoji (or content.text) must be a non-empty string',
  },
  {
    type: 'markup',
    description: 'Formatted text: { text, format?: "markdown" | "html" } (default markdown).',
    validate: (c) =>
      requireString(c, 'text') ??
      (c.format === undefined || (typeof c.format === 'string' && MARKUP_FORMATS.includes(c.format))
        ? undefined
        : `content.format must be one of: ${MARKUP_FORMATS.join(', ')}`),
  },
  {
    type: 'custom',
    description: 'Application-defined data: { data: object, schema?: string } (schema names its format).',
    validate: (c) =>
      (isPlainObject(c.data) ? undefined : 'content.data must be an object') ?? optionalString(c, 'schema'),
  },
  {
    type: 'voice',
    description: 'A voice clip uploaded on the file channel: { file_id, duration_ms }.',
    validate: (c) =>
      requireString(c, 'file_id') ??
      (nonNegativeInteger(c.duration_ms) && (c.duration_ms as number) > 0
        ? undefined
        : 'content.duration_ms must be a positive integer (milliseconds)'),
  },
  {
    type: 'command',
    description: 'A bot/slash command: { name, args?: array | object }.',
    validate: (c) =>
      requireString(c, 'name') ??
      (c.args === undefined || (typeof c.args === 'object' && c.args !== null)
        ? undefined
        : 'content.args must be an array or an object when present'),
  },
  {
    type: 'file-ref',
    description: 'A reference to a file uploaded on the file channel: { file_id, name?, size? }.',
    validate: (c) =>
      requireString(c, 'file_id') ??
      optionalString(c, 'name') ??
      (c.name === undefined || FILE_NAME_PATTERN.test(c.name as string) ? undefined : `content.name must be ${FILE_NAME_RULE}`) ??
      (c.size === undefined || nonNegativeInteger(c.size)
        ? undefined
        : 'content.size must be a non-negative integer (bytes) when present'),
  },
];

/** The process-wide registry every module validates `content` against. */
export const contentTypes = new ContentTypeRegistry();
for (const definition of BUILTIN_CONTENT_TYPES) contentTypes.register(definition);
