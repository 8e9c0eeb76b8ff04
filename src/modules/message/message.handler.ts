import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { MessageCommands, ProtocolError } from '../../shared/protocol';
import type { SwitchboardContext } from '../../transport/switchboard.context';
import { AckMessageRequest, MessageHistoryRequest, SendMessageRequest } from './dto';
import { HistoryService } from './history.service';
import { MessageService } from './message.service';
import { ReceiptService } from './receipt.service';

function userOf(ctx: SwitchboardContext): string {
  // The global token guard has bound the connection; this only guards against misconfiguration.
  if (!ctx.userId) throw new ProtocolError('TOKEN_MISSING', `"${ctx.command}" needs a logged-in connection; log in with auth/login first`);
  return ctx.userId;
}

@Controller()
export class MessageHandler {
  constructor(
    private readonly messages: MessageService,
    private readonly receipts: ReceiptService,
    private readonly historyService: HistoryService,
  ) {}

  /** Ordered: sends pipelined on one connection are stored (and get seqs) in arrival order. */
  @MessagePattern(MessageCommands.SEND.name, { ordered: true })
  send(@Payload() dto: SendMessageRequest, @Ctx() ctx: SwitchboardContext) {
    return this.messages.send({ senderId: userOf(ctx), connectionId: ctx.connection.id, requestId: ctx.envelope.id }, dto);
  }

  /** Also accepted as a `type: "event"` frame (no response then). */
  @MessagePattern(MessageCommands.ACK.name, { acceptsEvents: true })
  ack(@Payload() dto: AckMessageRequest, @Ctx() ctx: SwitchboardContext) {
    return this.receipts.ack(userOf(ctx), dto);
  }

  @MessagePattern(MessageCommands.HISTORY.name)
  history(@Payload() dto: MessageHistoryRequest, @Ctx() ctx: SwitchboardContext) {
    return this.historyService.history(userOf(ctx), dto);
  }
}
