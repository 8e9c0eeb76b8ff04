/**
 * jest setupFilesAfterEnv: every frame a SwitchboardClient receives in this spec file is checked
 * against the generated payload schemas (frame-contract.ts); the file fails in afterAll when one
 * broke its schema.
 */
import { SwitchboardClient } from '../../src/client/switchboard-client';
import { FrameContract, frameContractState } from './frame-contract';

const contract = new FrameContract();
frameContractState.current = contract;
type OnFrame = (this: SwitchboardClient, decoded: { kind: string; value?: unknown }) => void;
const proto = SwitchboardClient.prototype as unknown as { onFrame: OnFrame; __frameContract?: boolean };
if (!proto.__frameContract) {
  const original = proto.onFrame;
  proto.onFrame = function checked(this: SwitchboardClient, decoded) {
    original.call(this, decoded);
    // After the original: a signed/sealed payload has been opened in place by then.
    if (decoded.kind === 'frame' && !frameContractState.off) contract.check(decoded.value as { type?: string; command?: string; payload?: unknown });
  };
  proto.__frameContract = true;
}

afterAll(() => {
  if (contract.problems.length === 0) return;
  const lines = contract.problems.slice(0, 10).map((p) => `${p.command} ${p.type}: ${p.problem} — ${JSON.stringify(p.payload).slice(0, 300)}`);
  throw new Error(`${contract.problems.length} received frame(s) break the generated payload schemas (src/shared/protocol/schemas/commands.json):\n${lines.join('\n')}`);
});
