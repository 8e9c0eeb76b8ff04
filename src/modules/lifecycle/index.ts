/** The lifecycle module's public API: what other modules (and main.ts) may import from it. */
export { DrainService } from './drain.service';
export { LifecycleModule } from './lifecycle.module';
export { ReadinessChecks } from './readiness-checks';
export type { ReadinessCheck, ReadinessReport } from './readiness-checks';
export { installShutdownSignals } from './shutdown-signals';
export type { DrainableApp, ShutdownHooks } from './shutdown-signals';
