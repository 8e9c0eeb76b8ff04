/**
 * Baseline (b): Nest's own TCP transport (`Transport.TCP`, length-prefixed JSON via JsonSocket)
 * with one `@MessagePattern('ping')` handler returning what control/ping returns.
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, MicroserviceOptions, Transport } from '@nestjs/microservices';

@Controller()
class PingController {
  @MessagePattern('ping')
  ping() {
    const now = Date.now();
    return { status: 200, server_time: Math.floor(now / 1000), server_time_ms: now };
  }
}

@Module({ controllers: [PingController] })
class BenchModule {}

async function main(): Promise<void> {
  const port = Number(process.env.PORT);
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(BenchModule, {
    transport: Transport.TCP,
    options: { host: '127.0.0.1', port },
    logger: false,
  });
  await app.listen();
  console.log(`LISTENING ${port}`);
}

process.on('SIGTERM', () => process.exit(0));
void main();
