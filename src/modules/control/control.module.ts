import { Module } from '@nestjs/common';
import { ControlHandler } from './control.handler';
import { ControlService } from './control.service';

/** control/ping, and control/error (sent by the transport before closing a connection). */
@Module({ controllers: [ControlHandler], providers: [ControlService] })
export class ControlModule {}
