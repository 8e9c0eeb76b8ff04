/** The webapp module's public API: nothing but the module (it serves files; no port for others). */
export { WebAppModule } from './webapp.module';
