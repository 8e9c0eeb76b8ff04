import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth';
import { GroupModule } from '../group';
import { IdentityEntity } from './entities/identity.entity';
import { UsedNonceEntity } from './entities/used-nonce.entity';
import { IdentityHandler } from './identity.handler';
import { IdentityMetrics } from './identity.metrics';
import { IdentityRepository } from './identity.repository';
import { IdentityService } from './identity.service';
import { OidcBackchannelController } from './oidc-backchannel.controller';
import { ProvisioningService } from './provisioning.service';

export const IDENTITY_ENTITIES = [IdentityEntity, UsedNonceEntity];

/**
 * Company sign-in (docs/identity.md): LDAP and OpenID Connect login providers registered into
 * the auth module's LoginProviders port, just-in-time provisioning by the provider's stable
 * subject, and the refresh check that ends the sessions of people who left.
 */
@Module({
  imports: [TypeOrmModule.forFeature(IDENTITY_ENTITIES), AuthModule, GroupModule],
  controllers: [IdentityHandler, OidcBackchannelController],
  providers: [IdentityRepository, ProvisioningService, IdentityService, IdentityMetrics],
})
export class IdentityModule {}
