import { defineFeature } from '../../common/feature/feature';
import { FileCommands } from '../../shared/protocol/commands';
import { fileConfig } from './file.config';
import { FILE_ENTITIES, FileModule } from './file.module';
import { FileSchema1764180000000 } from './migrations/1764180000000-file-schema';
import { FileTransferLease1764400000000 } from './migrations/1764400000000-file-transfer-lease';
import { FileUserLocks1764600000000 } from './migrations/1764600000000-file-user-locks';
import { FileDirectTransfers1765100000000 } from './migrations/1765100000000-file-direct-transfers';

export const fileFeature = defineFeature({
  name: 'file',
  module: FileModule,
  entities: FILE_ENTITIES,
  migrations: [FileSchema1764180000000, FileTransferLease1764400000000, FileUserLocks1764600000000, FileDirectTransfers1765100000000],
  config: [fileConfig],
  commands: FileCommands,
});
