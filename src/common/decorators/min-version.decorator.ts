import { SetMetadata } from '@nestjs/common';

export const MIN_VERSION = 'switchboard:min-version';

/**
 * Requires at least this protocol version (`headers.version`) for a handler or a whole handler
 * class; older clients get 426 UNSUPPORTED_VERSION with the supported versions. Checked by the
 * global VersionGuard.
 */
export const MinVersion = (version: string): MethodDecorator & ClassDecorator => SetMetadata(MIN_VERSION, version);
