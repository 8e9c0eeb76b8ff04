import { defineFeature } from '../../common/feature/feature';
import { UserCommands } from '../../shared/protocol/commands';
import { DirectoryModule } from './directory.module';

/** Reads the users (auth) and contacts tables; DIRECTORY_VISIBILITY lives in the contact namespace. */
export const directoryFeature = defineFeature({ name: 'directory', module: DirectoryModule, commands: UserCommands });
