/**
 * Every configuration namespace. A module adding settings defines its namespace next to the
 * others and lists it here; all are validated at start (bad value → one-line error, exit 1).
 */
import type { ConfigNamespace } from './config.util';
import { authConfig } from './auth.config';
import { databaseConfig } from './database.config';
import { groupConfig } from './group.config';
import { httpConfig } from './http.config';
import { lifecycleConfig } from './lifecycle.config';
import { loggingConfig } from './logging.config';
import { messageConfig } from './message.config';
import { presenceConfig } from './presence.config';
import { redisConfig } from './redis.config';
import { securityConfig } from './security.config';
import { transportConfig } from './transport.config';

export const CONFIG_NAMESPACES: ConfigNamespace<unknown>[] = [
  transportConfig,
  databaseConfig,
  httpConfig,
  redisConfig,
  loggingConfig,
  lifecycleConfig,
  // feature namespaces: add yours below, one per line
  authConfig,
  groupConfig,
  messageConfig,
  securityConfig,
  presenceConfig,
];

export * from './config.util';
export { databaseConfig, httpConfig, redisConfig, securityConfig, transportConfig };
