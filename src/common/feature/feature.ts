/**
 * What a feature module contributes to the app, declared once inside the module's own folder
 * (`src/modules/<name>/<name>.feature.ts`, re-exported by its `index.ts`).
 *
 * Core never imports a feature: the app's one list of features (`src/app.features.ts`) is read by
 * the composition roots only — AppModule (Nest modules, config namespaces, migrations at start),
 * `ormconfig.ts` (the TypeORM CLI: entities + migrations), the admin CLI and
 * `scripts/gen-env-docs.js` (config namespaces). The data source builder and the config loader
 * receive plain lists, so they never learn which features exist.
 *
 * Entities are registered twice on purpose, from the same constant: the module's
 * `TypeOrmModule.forFeature(ENTITIES)` (the app data source uses `autoLoadEntities`) and the
 * manifest's `entities` (the CLI data source has no Nest container to collect them from). The
 * migrations spec checks that both sets agree.
 */
import type { DynamicModule, Type } from '@nestjs/common';
import type { ConfigNamespace } from '../../config/config.util';
import { CommandRegistry, type CommandDeclaration } from '../../shared/protocol/command-declaration';

export interface FeatureManifest {
  /** Short unique name (also used in error messages about the manifest list). */
  readonly name: string;
  /** The Nest module the app imports. */
  readonly module: Type<unknown> | DynamicModule;
  /** TypeORM entity classes the module owns (the CLI data source reads them from here). */
  readonly entities?: readonly Function[];
  /**
   * Migration classes the module owns. All features' migrations form ONE set ordered by the
   * 13-digit timestamp at the end of each class name, run at start (MIGRATIONS_RUN) and by the CLI.
   */
  readonly migrations?: readonly Function[];
  /** Configuration namespaces the module reads: validated at start, listed in `.env.example`. */
  readonly config?: readonly ConfigNamespace<unknown>[];
  /**
   * The commands the module serves or sends, one declaration each (`<name>.commands.ts`, or the
   * protocol package's group for a core module). Assembled into the app's CommandRegistry:
   * every handler must be declared here, and the generated schemas, docs/asyncapi.yaml, the
   * command table of docs/protocol.md and the SDK's types list them.
   */
  readonly commands?: readonly CommandDeclaration[] | Readonly<Record<string, CommandDeclaration>>;
}

/** Identity with a type check, so a manifest reads as a declaration. */
export function defineFeature(manifest: FeatureManifest): FeatureManifest {
  return manifest;
}

/** Everything a list of features contributes, merged (and checked for clashes). */
export interface FeatureContributions {
  modules: (Type<unknown> | DynamicModule)[];
  entities: Function[];
  migrations: Function[];
  config: ConfigNamespace<unknown>[];
  /** Every feature's command declarations (a name declared twice fails here). */
  commands: CommandRegistry;
}

/** A manifest's declarations as a list (a group object such as `PollCommands` is accepted too). */
export function featureCommands(feature: FeatureManifest): CommandDeclaration[] {
  const commands = feature.commands ?? [];
  return Array.isArray(commands) ? [...(commands as readonly CommandDeclaration[])] : Object.values(commands);
}

export function collectFeatures(features: readonly FeatureManifest[]): FeatureContributions {
  const names = new Set<string>();
  for (const f of features) {
    if (names.has(f.name)) throw new Error(`feature "${f.name}" is listed twice`);
    names.add(f.name);
  }
  const configKeys = new Set<string>();
  const config: ConfigNamespace<unknown>[] = [];
  for (const ns of features.flatMap((f) => f.config ?? [])) {
    if (configKeys.has(ns.key)) throw new Error(`config namespace "${ns.key}" is registered by more than one feature`);
    configKeys.add(ns.key);
    config.push(ns);
  }
  return {
    modules: features.map((f) => f.module),
    entities: [...new Set(features.flatMap((f) => f.entities ?? []))],
    migrations: features.flatMap((f) => f.migrations ?? []),
    config,
    commands: new CommandRegistry(features.map((f) => ({ owner: `feature ${f.name}`, commands: featureCommands(f) }))),
  };
}
