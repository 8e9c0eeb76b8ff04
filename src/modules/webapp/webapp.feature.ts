import { defineFeature } from '../../common/feature/feature';
import { webAppConfig } from './webapp.config';
import { WebAppModule } from './webapp.module';

export const webappFeature = defineFeature({ name: 'webapp', module: WebAppModule, config: [webAppConfig] });
