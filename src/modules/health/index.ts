/** The health module's public API: what other modules may import from it (nothing else yet). */
export { HealthModule } from './health.module';
