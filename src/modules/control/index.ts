/** The control module's public API: what other modules may import from it (nothing else yet). */
export { ControlModule } from './control.module';
