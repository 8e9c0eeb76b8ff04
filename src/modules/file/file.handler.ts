import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { CurrentUser } from '../../common/decorators/connection.decorator';
import { FileCommands } from '../../shared/protocol';
import { FileAckRequestDto, FileCancelDto, FileRequestDto } from '../../shared/protocol/messages/file.messages';
import type { SwitchboardContext } from '../../transport/switchboard.context';
import { FileService } from './file.service';

/** The control phase of file transfers (the data phase is FileDataChannel). */
@Controller()
export class FileHandler {
  constructor(private readonly files: FileService) {}

  @MessagePattern(FileCommands.REQUEST.name)
  request(@Payload() dto: FileRequestDto, @CurrentUser() userId: string, @Ctx() ctx: SwitchboardContext) {
    return this.files.request({ userId, localAddress: ctx.connection.socket.localAddress }, dto);
  }

  @MessagePattern(FileCommands.ACK.name)
  ack(@Payload() dto: FileAckRequestDto, @CurrentUser() userId: string) {
    return this.files.ack(userId, dto.transfer_id);
  }

  @MessagePattern(FileCommands.CANCEL.name)
  cancel(@Payload() dto: FileCancelDto, @CurrentUser() userId: string) {
    return this.files.cancel(userId, dto.transfer_id, dto.reason);
  }
}
