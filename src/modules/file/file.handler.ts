import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { FileCommands, ProtocolError } from '../../shared/protocol';
import { FileAckRequestDto, FileCancelDto, FileRequestDto } from '../../shared/protocol/messages/file.messages';
import type { SwitchboardContext } from '../../transport/switchboard.context';
import { FileService } from './file.service';

function userOf(ctx: SwitchboardContext): string {
  if (!ctx.userId) throw new ProtocolError('TOKEN_MISSING', `"${ctx.command}" needs a logged-in connection; log in with auth/login first`);
  return ctx.userId;
}

/** The control phase of file transfers (the data phase is FileDataChannel). */
@Controller()
export class FileHandler {
  constructor(private readonly files: FileService) {}

  @MessagePattern(FileCommands.REQUEST.name)
  request(@Payload() dto: FileRequestDto, @Ctx() ctx: SwitchboardContext) {
    return this.files.request({ userId: userOf(ctx), localAddress: ctx.connection.socket.localAddress }, dto);
  }

  @MessagePattern(FileCommands.ACK.name)
  ack(@Payload() dto: FileAckRequestDto, @Ctx() ctx: SwitchboardContext) {
    return this.files.ack(userOf(ctx), dto.transfer_id);
  }

  @MessagePattern(FileCommands.CANCEL.name)
  cancel(@Payload() dto: FileCancelDto, @Ctx() ctx: SwitchboardContext) {
    return this.files.cancel(userOf(ctx), dto.transfer_id, dto.reason);
  }
}
