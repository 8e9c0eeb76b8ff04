import { defineFeature } from '../../../src/common/feature/feature';
import { EchoCommands } from './echo.commands';
import { EchoModule } from './echo.module';

/** What the line `echoFeature,` in src/app.features.ts would add to the app. */
export const echoFeature = defineFeature({ name: 'echo', module: EchoModule, commands: EchoCommands });
