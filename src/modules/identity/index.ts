/** The identity module's public API: what other modules may import from it. */
export { IdentityModule } from './identity.module';
export { IdentityCommands } from './identity.commands';
