/**
 * Who may send a direct message to whom, as a port: the contacts module's ContactGate provides
 * it (DIRECT_MESSAGE_POLICY and blocks; see message.module.ts). `checkDirect` returns undefined
 * when the message is allowed without any I/O (the common case), so it costs nothing per message.
 */
export abstract class DirectMessageGate {
  /** undefined: allowed. Otherwise a promise that rejects with the refusal (or resolves: allowed). */
  abstract checkDirect(senderId: string, recipientId: string): Promise<void> | undefined;
  /** A block between the two users, either way (receipts in their direct conversation do not cross it). */
  abstract blockedBetween(a: string, b: string): boolean | Promise<boolean>;
}
