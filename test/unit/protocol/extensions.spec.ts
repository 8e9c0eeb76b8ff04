import { ContentTypeRegistry, contentTypes, BUILTIN_CONTENT_TYPES } from '../../../src/shared/protocol/extensions';

describe('content type registry', () => {
  it('ships the draft built-ins in order', () => {
    expect(contentTypes.list().map((d) => d.type)).toEqual(
      expect.arrayContaining(['text', 'emoji', 'markup', 'custom', 'voice', 'command', 'file-ref']),
    );
    for (const d of BUILTIN_CONTENT_TYPES) {
      expect(contentTypes.has(d.type)).toBe(true);
      expect(d.description.length).toBeGreaterThan(0);
    }
  });

  it.each([
    [{ type: 'text', text: 'Hello world!' }],
    [{ type: 'text', text: '你好 👋' }],
    [{ type: 'emoji', emoji: '🎉' }],
    [{ type: 'emoji', text: '👍' }],
    [{ type: 'markup', text: '**bold**' }],
    [{ type: 'markup', text: '<b>x</b>', format: 'html' }],
    [{ type: 'custom', data: { poll: [1, 2] } }],
    [{ type: 'custom', data: {}, schema: 'acme/poll@1' }],
    [{ type: 'voice', file_id: 'f-1', duration_ms: 1500 }],
    [{ type: 'command', name: 'roll' }],
    [{ type: 'command', name: 'roll', args: ['1d6'] }],
    [{ type: 'command', name: 'roll', args: { dice: 2 } }],
    [{ type: 'file-ref', file_id: 'f-abc123' }],
    [{ type: 'file-ref', file_id: 'f-abc123', name: 'image.png', size: 2048 }],
  ])('accepts %j', (content) => {
    expect(contentTypes.validate(content)).toBeUndefined();
  });

  it.each([
    [null, 'content must be an object'],
    [[], 'content must be an object'],
    ['text', 'content must be an object'],
    [{}, 'content.type must be a non-empty string'],
    [{ type: 5 }, 'content.type must be a non-empty string'],
    [{ type: 'hologram' }, 'content.type "hologram" is not supported; use one of: text, emoji'],
    [{ type: 'text' }, 'content.text must be a non-empty string'],
    [{ type: 'text', text: '' }, 'content.text must be a non-empty string'],
    [{ type: 'text', text: 42 }, 'content.text must be a non-empty string'],
    [{ type: 'emoji' }, 'content.emoji (or content.text) must be a non-empty string'],
    [{ type: 'markup', text: 'x', format: 'rtf' }, 'content.format must be one of: markdown, html'],
    [{ type: 'markup', format: 'html' }, 'content.text must be a non-empty string'],
    [{ type: 'custom' }, 'content.data must be an object'],
    [{ type: 'custom', data: [1] }, 'content.data must be an object'],
    [{ type: 'custom', data: {}, schema: 1 }, 'content.schema must be a string when present'],
    [{ type: 'voice', duration_ms: 10 }, 'content.file_id must be a non-empty string'],
    [{ type: 'voice', file_id: 'f', duration_ms: 0 }, 'content.duration_ms must be a positive integer'],
    [{ type: 'voice', file_id: 'f', duration_ms: 1.5 }, 'content.duration_ms must be a positive integer'],
    [{ type: 'command', args: [] }, 'content.name must be a non-empty string'],
    [{ type: 'command', name: 'x', args: 'a b' }, 'content.args must be an array or an object'],
    [{ type: 'command', name: 'x', args: null }, 'content.args must be an array or an object'],
    [{ type: 'file-ref' }, 'content.file_id must be a non-empty string'],
    [{ type: 'file-ref', file_id: 'f', name: 3 }, 'content.name must be a string when present'],
    [{ type: 'file-ref', file_id: 'f', size: -1 }, 'content.size must be a non-negative integer'],
  ])('refuses %j with a message naming the field', (content, message) => {
    expect(contentTypes.validate(content)).toContain(message);
  });

  describe('extension by other modules', () => {
    let registry: ContentTypeRegistry;
    beforeEach(() => {
      registry = new ContentTypeRegistry();
      for (const d of BUILTIN_CONTENT_TYPES) registry.register(d);
    });

    it('registers a new type with its own validator', () => {
      registry.register({
        type: 'acme/location',
        description: 'A point on a map.',
        validate: (c) => (typeof c.lat === 'number' ? undefined : 'content.lat must be a number'),
      });
      expect(registry.has('acme/location')).toBe(true);
      expect(registry.validate({ type: 'acme/location', lat: 1 })).toBeUndefined();
      expect(registry.validate({ type: 'acme/location' })).toBe('content.lat must be a number');
      expect(registry.list().at(-1)?.type).toBe('acme/location');
    });

    it('a type without a validator accepts any fields', () => {
      registry.register({ type: 'sticker', description: 'Sticker.' });
      expect(registry.validate({ type: 'sticker', whatever: true })).toBeUndefined();
    });

    it('refuses duplicates unless replace is asked for', () => {
      expect(() => registry.register({ type: 'text', description: 'mine' })).toThrow(/already registered/);
      registry.register({ type: 'text', description: 'anything goes' }, { replace: true });
      expect(registry.validate({ type: 'text' })).toBeUndefined();
      expect(registry.get('text')?.description).toBe('anything goes');
    });

    it('refuses badly formed names', () => {
      for (const type of ['', 'Text', 'with space', '1abc', 'a/b/c', 'x'.repeat(65)]) {
        expect(() => registry.register({ type, description: 'bad' })).toThrow(/is invalid/);
      }
    });

    it('unregister removes a type', () => {
      expect(registry.unregister('voice')).toBe(true);
      expect(registry.has('voice')).toBe(false);
      expect(registry.validate({ type: 'voice', file_id: 'f', duration_ms: 1 })).toMatch(/not supported/);
      expect(registry.unregister('voice')).toBe(false);
    });

    it('definitions are frozen so a caller cannot mutate the registry behind its back', () => {
      const def = registry.get('text')!;
      expect(Object.isFrozen(def)).toBe(true);
    });
  });
});
