/**
 * A writable stream collecting the app's JSON log lines (`startTestApp(env, { logStream })`), so
 * tests can assert what was logged and that secrets never were.
 */
import { Writable } from 'node:stream';

export class LogCapture extends Writable {
  readonly raw: string[] = [];

  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    for (const line of chunk.toString().split('\n')) if (line.trim()) this.raw.push(line);
    callback();
  }

  /** Every line parsed as JSON. */
  get lines(): Record<string, unknown>[] {
    return this.raw.map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** Lines matching all the given fields. */
  find(fields: Record<string, unknown>): Record<string, unknown>[] {
    return this.lines.filter((line) => Object.entries(fields).every(([k, v]) => line[k] === v));
  }

  get text(): string {
    return this.raw.join('\n');
  }
}
