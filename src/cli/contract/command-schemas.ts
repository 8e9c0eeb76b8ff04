/**
 * JSON Schemas of every declared command's payloads — request, success response and event —
 * core and module commands alike, built from the command registry (src/app.features.ts) and the
 * payload classes the declarations name. One self-contained file,
 * `src/shared/protocol/schemas/commands.json`: `commands.<name>` points into `definitions`.
 *
 * A request command without a declared `response` class answers at least ResponseStatusDto
 * (`status` plus open fields); every request command may answer ErrorPayloadDto instead.
 */
import { CommandDeclaration, CommandRegistry, PayloadClass } from '../../shared/protocol/command-declaration';
import { ErrorPayloadDto, ResponseStatusDto } from '../../shared/protocol/messages/envelope.messages';
import { classSchemas, collectRefs, JsonSchema, sortKeys } from '../../shared/protocol/schemas/generate';

const REF_PREFIX = '#/definitions/';

export interface CommandPayloads {
  request?: string;
  response?: string;
  error?: string;
  event?: string;
}

/** Class names per command and the schema of every class they reach. */
export interface CommandSchemaSet {
  payloads: Map<string, CommandPayloads>;
  definitions: Record<string, JsonSchema>;
}

/** `extra`: further classes whose schemas the caller needs next to the payloads (e.g. the envelope). */
export function commandSchemaSet(registry: CommandRegistry, extra: Function[] = []): CommandSchemaSet {
  const { all, schemaOf } = classSchemas();
  const owners = new Map<string, Function>();
  const included = new Set<string>();
  const include = (name: string) => {
    const queue = [name];
    while (queue.length > 0) {
      const next = queue.pop()!;
      if (included.has(next)) continue;
      if (!all[next]) throw new Error(`schema references unknown class ${next}`);
      included.add(next);
      const refs = new Set<string>();
      collectRefs(all[next], refs);
      queue.push(...refs);
    }
  };
  const use = (d: CommandDeclaration, cls: PayloadClass | undefined): string | undefined => {
    if (!cls) return undefined;
    const previous = owners.get(cls.name);
    if (previous && previous !== cls) throw new Error(`${d.name}: two different payload classes are named ${cls.name}; rename one (schemas are keyed by class name)`);
    owners.set(cls.name, cls);
    if (!schemaOf(cls)) throw new Error(`${d.name}: payload class ${cls.name} has no validation decorators, so no schema can be generated`);
    include(cls.name);
    return cls.name;
  };
  const payloads = new Map<string, CommandPayloads>();
  for (const d of registry.all()) {
    const entry: CommandPayloads = {};
    if (d.direction !== 's2c') entry.request = use(d, d.request);
    if (d.kind === 'request') {
      entry.response = use(d, d.response ?? ResponseStatusDto);
      entry.error = use(d, ErrorPayloadDto);
    }
    if (d.direction !== 'c2s') entry.event = use(d, d.event);
    payloads.set(d.name, entry);
  }
  for (const cls of extra) {
    if (!schemaOf(cls)) throw new Error(`class ${cls.name} has no validation decorators`);
    include(cls.name);
  }
  const definitions = Object.fromEntries([...included].sort().map((name) => [name, all[name]]));
  return { payloads, definitions };
}

/** The commands.json document. */
export function commandSchemas(registry: CommandRegistry): JsonSchema {
  const { payloads, definitions } = commandSchemaSet(registry);
  const ref = (name: string | undefined) => (name ? { $ref: `${REF_PREFIX}${name}` } : undefined);
  const commands: Record<string, JsonSchema> = {};
  for (const d of registry.all()) {
    const p = payloads.get(d.name)!;
    commands[d.name] = JSON.parse(
      JSON.stringify({
        description: d.description,
        direction: d.direction,
        kind: d.kind,
        auth: d.auth,
        since: d.since,
        causes: d.causes?.length ? [...d.causes] : undefined,
        request: ref(p.request),
        response: ref(p.response),
        error: ref(p.error),
        event: ref(p.event),
      }),
    ) as JsonSchema;
  }
  return sortKeys({
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'switchboard/commands.json',
    title: 'Switchboard protocol: every declared command (core and modules) and its payload schemas',
    description: 'Generated from the command declarations (npm run schemas). `commands.<name>.request|response|error|event` point into `definitions`; a payload absent here is not sent.',
    commands,
    definitions,
  }) as JsonSchema;
}
