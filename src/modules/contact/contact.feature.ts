import { defineFeature } from '../../common/feature/feature';
import { ContactCommands } from '../../shared/protocol/commands';
import { contactConfig } from './contact.config';
import { CONTACT_ENTITIES, ContactModule } from './contact.module';
import { ContactsSchema1764190000000 } from './migrations/1764190000000-contacts-schema';

export const contactFeature = defineFeature({
  name: 'contact',
  module: ContactModule,
  entities: CONTACT_ENTITIES,
  migrations: [ContactsSchema1764190000000],
  config: [contactConfig],
  commands: ContactCommands,
});
