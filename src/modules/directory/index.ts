/** The directory module's public API: what other modules may import from it (nothing else yet). */
export { DirectoryModule } from './directory.module';
