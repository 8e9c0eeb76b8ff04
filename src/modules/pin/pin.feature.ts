import { defineFeature } from '../../common/feature/feature';
import { PinSchema1764623000000 } from './migrations/1764623000000-pin-schema';
import { PinCommands } from './pin.commands';
import { pinConfig } from './pin.config';
import { PIN_ENTITIES, PinModule } from './pin.module';

/** Everything the pin module contributes to the app, declared from its own folder. */
export const pinFeature = defineFeature({
  name: 'pin',
  module: PinModule,
  entities: PIN_ENTITIES,
  migrations: [PinSchema1764623000000],
  config: [pinConfig],
  commands: PinCommands,
});
