/** The file module's public API: what other modules may import from it. */
export { FileModule } from './file.module';
export { FileSharingService } from './file-sharing.service';
export { FileStorage } from './storage/file-storage';
export type { PartialWriter } from './storage/file-storage';
