/**
 * Decomposition target (d): the Switchboard transport strategy alone, with one control/ping
 * handler and Nest's RPC pipeline (guards/pipes/interceptors/filters consumers still run, there
 * are just none registered), without the app's modules and transport plugins (metrics, request
 * log, rate limit, crypto, token/signature/version guards). (c) minus (d) is what those cost.
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import { redisConfig } from '../../src/config/redis.config';
import { transportConfig } from '../../src/config/transport.config';
import type { TransportConfig } from '../../src/config/transport.config';
import { TransportModule } from '../../src/transport/transport.module';
import { SwitchboardServer } from '../../src/transport/switchboard.server';

@Controller()
class PingHandler {
  @MessagePattern('control/ping')
  ping() {
    const now = Date.now();
    return { server_time: Math.floor(now / 1000), server_time_ms: now };
  }
}

const env = { TCP_HOST: '127.0.0.1', TCP_PORT: '0' };

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [transportConfig.load(env), redisConfig.load(env)] }),
    // Options as the app maps them, without a Redis bus (the module has no static form since its
    // options became plain; importing AppModule's helper would load every feature module).
    TransportModule.forRootAsync({ inject: [transportConfig.token], useFactory: (transport: TransportConfig) => ({ server: transport }) }),
  ],
  controllers: [PingHandler],
})
class MinimalModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(MinimalModule, { logger: false });
  const transport = app.get(SwitchboardServer);
  app.connectMicroservice({ strategy: transport });
  await app.startAllMicroservices();
  await app.init();
  console.log(`LISTENING ${transport.port}`);
}

process.on('SIGTERM', () => process.exit(0));
void main();
