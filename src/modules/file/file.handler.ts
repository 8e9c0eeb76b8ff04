import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { CurrentUser } from '../../common/decorators/connection.decorator';
import { FileCommands, validationError } from '../../shared/protocol';
import { FileAckRequestDto, FileCancelDto, FileRequestDto } from '../../shared/protocol/messages/file.messages';
import type { SwitchboardContext } from '../../transport/switchboard.context';
import { DIRECT_PREFIX, DirectTransferService } from './direct-transfer.service';
import { FileService } from './file.service';

/** The control phase of file transfers (the data phase is FileDataChannel). */
@Controller()
export class FileHandler {
  constructor(
    private readonly files: FileService,
    private readonly direct: DirectTransferService,
  ) {}

  @MessagePattern(FileCommands.REQUEST.name)
  request(@Payload() dto: FileRequestDto, @CurrentUser() userId: string, @Ctx() ctx: SwitchboardContext) {
    if (dto.mode === 'active') return this.direct.offer(userId, dto);
    return this.files.request({ userId, localAddress: ctx.connection.socket.localAddress }, dto);
  }

  @MessagePattern(FileCommands.ACK.name)
  ack(@Payload() dto: FileAckRequestDto, @CurrentUser() userId: string) {
    // Direct transfers by their id prefix; a "complete" report means something only for them.
    if (dto.transfer_id.startsWith(DIRECT_PREFIX)) return this.direct.ack(userId, dto.transfer_id, dto.state === 'complete');
    if (dto.state !== undefined) throw validationError([{ field: 'state', problems: ['is for direct (mode "active") transfers only; the server tracks a passive transfer itself'] }]);
    return this.files.ack(userId, dto.transfer_id);
  }

  @MessagePattern(FileCommands.CANCEL.name)
  cancel(@Payload() dto: FileCancelDto, @CurrentUser() userId: string) {
    if (dto.transfer_id.startsWith(DIRECT_PREFIX)) return this.direct.cancel(userId, dto.transfer_id, dto.reason);
    return this.files.cancel(userId, dto.transfer_id, dto.reason);
  }
}
