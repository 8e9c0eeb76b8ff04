/** The group module's public API: what other modules may import from it (nothing else yet). */
export { GroupModule } from './group.module';
