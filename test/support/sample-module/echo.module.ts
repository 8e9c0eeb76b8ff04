import { Module } from '@nestjs/common';
import { EchoHandler } from './echo.handler';

/** The sample module: no table, two commands, one event. */
@Module({ controllers: [EchoHandler] })
export class EchoModule {}
