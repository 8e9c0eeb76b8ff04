export { LoggingModule } from './logging.module';
export { ROOT_LOGGER } from './logging.tokens';
export { createRootLogger, RootLogger } from './pino-logger';
export { PinoLoggerService } from './pino-logger.service';
export { REDACTED, SECRET_KEYS } from './redaction';
