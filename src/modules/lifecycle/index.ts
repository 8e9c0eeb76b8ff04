/** The lifecycle module's public API: what other modules (and main.ts) may import from it. */
export { DrainService } from './drain.service';
export { LifecycleModule } from './lifecycle.module';
export { installShutdownSignals } from './shutdown-signals';
export type { DrainableApp, ShutdownHooks } from './shutdown-signals';
