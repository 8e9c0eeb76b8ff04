/**
 * Every frame a test client receives is checked against the generated payload schemas of its
 * command (src/shared/protocol/schemas/commands.json): a success response against the declared
 * response class, an error response against ErrorPayloadDto, an event against the declared event
 * class. Installed for every spec by frame-contract.setup.ts (jest setupFilesAfterEnv), so the
 * e2e suite checks the schemas on real frames; a spec file that received a frame its schema
 * refuses fails in its afterAll, naming the command, the frame and the schema's complaint.
 *
 * Not checked: commands no feature declares (test-only handlers), frames whose payload is still
 * sealed (a client without the key), and events declared without a payload class.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// ajv 6 (draft-07, what the generated schemas declare) as installed for eslint.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Ajv = require('ajv') as new (options: Record<string, unknown>) => AjvInstance;

interface AjvInstance {
  addSchema(schema: object, key: string): void;
  compile(schema: object): AjvValidate;
  errorsText(errors: unknown): string;
}
type AjvValidate = ((data: unknown) => boolean) & { errors?: unknown };

export interface CommandEntry {
  response?: { $ref: string };
  error?: { $ref: string };
  event?: { $ref: string };
}

export interface FrameProblem {
  command: string;
  type: string;
  problem: string;
  payload: unknown;
}

const SCHEMAS = join(__dirname, '../../src/shared/protocol/schemas/commands.json');

export class FrameContract {
  private readonly ajv: AjvInstance;
  private readonly commands: Record<string, CommandEntry>;
  private readonly compiled = new Map<string, AjvValidate>();
  /** Commands (and frame kinds) checked so far: `poll/create response`, ... */
  readonly checked = new Set<string>();
  readonly problems: FrameProblem[] = [];
  /** Every declared command and its payload refs, as commands.json says. */
  readonly declared: Readonly<Record<string, CommandEntry>>;

  constructor(path = SCHEMAS) {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { commands: Record<string, CommandEntry>; definitions: object };
    this.declared = doc.commands;
    this.commands = doc.commands;
    this.ajv = new Ajv({ allErrors: true, schemaId: 'auto' });
    this.ajv.addSchema({ definitions: doc.definitions }, 'commands');
  }

  private validator(ref: string): AjvValidate {
    let v = this.compiled.get(ref);
    if (!v) this.compiled.set(ref, (v = this.ajv.compile({ $ref: `commands${ref}` })));
    return v;
  }

  /** Checks one received frame; records a problem when its payload breaks the schema. */
  check(frame: { type?: string; command?: string; payload?: unknown }): void {
    const entry = frame.command ? this.commands[frame.command] : undefined;
    if (!entry || typeof frame.payload !== 'object' || frame.payload === null) return;
    const payload = frame.payload as Record<string, unknown>;
    if ('enc' in payload && 'data' in payload && 'tag' in payload) return;
    let kind: 'response' | 'error' | 'event';
    if (frame.type === 'response') kind = typeof payload.status === 'number' && payload.status >= 400 ? 'error' : 'response';
    else if (frame.type === 'event') kind = 'event';
    else return;
    const schema = entry[kind];
    if (!schema) return;
    const validate = this.validator(schema.$ref);
    this.checked.add(`${frame.command} ${kind}`);
    if (!validate(payload)) this.problems.push({ command: frame.command!, type: kind, problem: this.ajv.errorsText(validate.errors), payload });
  }
}

/**
 * Per spec file (each file has its own module registry). `current`: the contract checking this
 * file's frames (set by frame-contract.setup.ts), so a spec can read what was checked.
 */
export const frameContractState: { off: boolean; current?: FrameContract } = { off: false };

/**
 * For a spec whose clients talk to a fake server of its own (forged or hand-made frames on
 * purpose): those frames are not the server's, so they are not checked.
 */
export function skipFrameContract(): void {
  frameContractState.off = true;
}
