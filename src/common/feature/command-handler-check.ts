/**
 * The start-time check that ties dispatch to the command declarations: every `@MessagePattern` /
 * `@EventPattern` handler of the app must handle a declared command, and what the handler says
 * about access (`@Public()`) and version (`@MinVersion`) must be what the declaration says — so
 * the generated docs, schemas and SDK types never describe a server that behaves differently.
 * A command declared twice already failed when the registry was built (CommandRegistry).
 *
 * Runs in createApp() once the Nest container is built, before the app listens: a mismatch
 * stops the start with every problem listed.
 */
import type { INestApplicationContext, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { BASE_VERSION, CommandRegistry } from '../../shared/protocol/command-declaration';
import { MIN_VERSION } from '../decorators/min-version.decorator';
import { IS_PUBLIC } from '../decorators/public.decorator';

/** The metadata key @nestjs/microservices' pattern decorators write (PATTERN_METADATA). */
const PATTERN_METADATA = 'microservices:pattern';

export interface HandledCommand {
  command: string;
  /** `Class.method`, for the error message. */
  handler: string;
  isPublic: boolean;
  minVersion?: string;
}

/** Every pattern handler of the app's controllers. */
export function handledCommands(app: INestApplicationContext): HandledCommand[] {
  const out: HandledCommand[] = [];
  const seen = new Set<Function>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const cls = wrapper.metatype as Type<unknown> | undefined;
      if (!cls || seen.has(cls)) continue;
      seen.add(cls);
      for (let proto = cls.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
        for (const key of Object.getOwnPropertyNames(proto)) {
          const method = Object.getOwnPropertyDescriptor(proto, key)?.value as unknown;
          if (key === 'constructor' || typeof method !== 'function') continue;
          const patterns = Reflect.getMetadata(PATTERN_METADATA, method) as unknown[] | undefined;
          if (!patterns) continue;
          const isPublic = (Reflect.getMetadata(IS_PUBLIC, method) ?? Reflect.getMetadata(IS_PUBLIC, cls)) === true;
          const minVersion = (Reflect.getMetadata(MIN_VERSION, method) ?? Reflect.getMetadata(MIN_VERSION, cls)) as string | undefined;
          for (const pattern of patterns) out.push({ command: String(pattern), handler: `${cls.name}.${key}`, isPublic, minVersion });
        }
      }
    }
  }
  return out;
}

/** The problems of `handled` against `registry`, one sentence each (empty: consistent). */
export function commandHandlerProblems(handled: HandledCommand[], registry: CommandRegistry): string[] {
  const problems: string[] = [];
  for (const h of handled) {
    const d = registry.get(h.command);
    if (!d) {
      problems.push(`${h.handler} handles "${h.command}", which no feature declares: add a declaration (declareCommand) to the module's <name>.commands.ts and list it in its manifest's \`commands\``);
      continue;
    }
    if (d.direction === 's2c') problems.push(`${h.handler} handles "${h.command}", declared server → client only (direction s2c)`);
    if (h.isPublic !== (d.auth === 'public')) {
      problems.push(`${h.handler} is ${h.isPublic ? '' : 'not '}@Public() but "${h.command}" is declared auth: ${d.auth}`);
    }
    if ((h.minVersion ?? BASE_VERSION) !== d.since) {
      problems.push(`${h.handler} requires protocol version ${h.minVersion ?? BASE_VERSION} (@MinVersion) but "${h.command}" is declared since ${d.since}`);
    }
  }
  return problems;
}

/** Throws one Error listing every problem; call once the app's container is built. */
export function checkCommandHandlers(app: INestApplicationContext, registry: CommandRegistry): void {
  const problems = commandHandlerProblems(handledCommands(app), registry);
  if (problems.length > 0) throw new Error(`command handlers do not match the command declarations:\n- ${problems.join('\n- ')}`);
}
