/**
 * The core configuration namespaces: the ones the layers below the feature modules read
 * (transport, database, HTTP ops, Redis, logging, lifecycle, transport security). A feature
 * module keeps its own namespace in its folder (`src/modules/<name>/<name>.config.ts`) and
 * declares it in its feature manifest; the composition root (src/app.features.ts) adds it to
 * this list. All are validated at start (bad value → one-line error, exit 1).
 */
import type { ConfigNamespace } from './config.util';
import { databaseConfig } from './database.config';
import { httpConfig } from './http.config';
import { lifecycleConfig } from './lifecycle.config';
import { loggingConfig } from './logging.config';
import { redisConfig } from './redis.config';
import { securityConfig } from './security.config';
import { transportConfig } from './transport.config';
import { websocketConfig } from './websocket.config';

export const CORE_CONFIG_NAMESPACES: ConfigNamespace<unknown>[] = [
  transportConfig,
  databaseConfig,
  httpConfig,
  redisConfig,
  loggingConfig,
  lifecycleConfig,
  securityConfig,
  websocketConfig,
];

export * from './config.util';
export { databaseConfig, httpConfig, redisConfig, securityConfig, transportConfig, websocketConfig };
