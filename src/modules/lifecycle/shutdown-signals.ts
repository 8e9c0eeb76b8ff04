/**
 * SIGTERM/SIGINT → graceful drain, close, exit 0. A second signal exits at once (an operator
 * pressing Ctrl-C twice, or an orchestrator that lost patience). Installed by main.ts only: test
 * processes host many apps and must not exit on signals.
 */
import type { INestApplication } from '@nestjs/common';
import { lifecycleConfig } from '../../config/lifecycle.config';
import { DrainService } from './drain.service';

/** What the drain needs of the started app (bootstrap's SwitchboardApp is one; no import of it here). */
export interface DrainableApp {
  app: INestApplication;
  close(): Promise<void>;
}

export interface ShutdownHooks {
  log(message: string): void;
  exit(code: number): void;
}

/** Extra time, beyond SHUTDOWN_TIMEOUT_MS, for closing modules and the database. */
const CLOSE_GRACE_MS = 10_000;

export function installShutdownSignals(started: DrainableApp, hooks: ShutdownHooks): () => void {
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      hooks.log(`${signal} received again: exiting immediately`);
      hooks.exit(signal === 'SIGINT' ? 130 : 143);
      return;
    }
    shuttingDown = true;
    const { shutdownTimeoutMs } = started.app.get<{ shutdownTimeoutMs: number }>(
      lifecycleConfig.token,
    );
    hooks.log(
      `${signal} received: draining (up to ${shutdownTimeoutMs} ms; send ${signal} again to exit immediately)`,
    );
    // Safety net: a module that hangs in onModuleDestroy must not keep the process alive forever.
    const watchdog = setTimeout(() => {
      hooks.log('shutdown did not complete in time: exiting');
      hooks.exit(1);
    }, shutdownTimeoutMs + CLOSE_GRACE_MS);
    watchdog.unref();
    void (async () => {
      try {
        await started.app.get(DrainService).drain(shutdownTimeoutMs);
        await started.close();
        clearTimeout(watchdog);
        hooks.exit(0);
      } catch (err) {
        hooks.log(
          `shutdown failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        );
        hooks.exit(1);
      }
    })();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}
