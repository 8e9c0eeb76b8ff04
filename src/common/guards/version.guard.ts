/**
 * Per-handler minimum protocol version (`@MinVersion('1.1')`). The transport already rejects
 * versions it does not support at all; this lets a module add a command that only newer clients
 * understand while older clients keep working for everything else.
 */
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { compareVersions, PROTOCOL_VERSION, ProtocolError, SUPPORTED_VERSIONS } from '../../shared/protocol';
import type { SwitchboardContext } from '../../transport/switchboard.context';
import { MIN_VERSION } from '../decorators/min-version.decorator';
import { HandlerMetadata } from './handler-metadata';

@Injectable()
export class VersionGuard implements CanActivate {
  private readonly minVersion: HandlerMetadata<string>;

  constructor(reflector: Reflector) {
    this.minVersion = new HandlerMetadata(reflector, MIN_VERSION);
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'rpc') return true;
    const min = this.minVersion.of(context);
    if (min === undefined) return true;
    const ctx = context.switchToRpc().getContext<SwitchboardContext>();
    // This frame's own version (the connection's last one may belong to a concurrent frame).
    const version = typeof ctx.headers.version === 'string' ? ctx.headers.version : PROTOCOL_VERSION;
    if (compareVersions(version, min) >= 0) return true;
    const supported = SUPPORTED_VERSIONS.filter((v) => compareVersions(v, min) >= 0);
    throw new ProtocolError(
      'UNSUPPORTED_VERSION',
      `"${ctx.command}" needs protocol version ${min} or newer; this request used ${version}. Upgrade the client${supported.length ? ` and send headers.version "${supported[supported.length - 1]}"` : ''}`,
      undefined,
      { min_version: min, supported_versions: [...SUPPORTED_VERSIONS] },
    );
  }
}
