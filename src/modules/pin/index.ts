/** The pin module's public API: what other modules may import from it. */
export { PinModule } from './pin.module';
export { PinCommands } from './pin.commands';
export { PIN_ADDED, PIN_REMOVED } from './pin.service';
export { PinCounts } from './pin-counts.service';
