/**
 * /send-file and /get for the chat CLI: SDK upload/download with a progress bar. The bar is
 * redrawn in place on a terminal (`progress`), or printed at 25 % steps otherwise (pipes, tests).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DownloadResult, FileTarget, FileTransferOptions, TransferProgress, UploadOptions, UploadResult } from '../file-transfer';

/** What the CLI needs of the SDK for files (SwitchboardClient has both). */
export interface FileTransport {
  upload(source: string, target: FileTarget, options?: UploadOptions): Promise<UploadResult>;
  download(fileId: string, dest: string, options?: FileTransferOptions): Promise<DownloadResult>;
}

export interface ProgressOutput {
  print(line: string): void;
  /** Redraws the current line (terminals). Without it, progress is printed at 25 % steps. */
  progress?(line: string): void;
}

const WIDTH = 24;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

/** `[########............] 40% 4.0 MiB/10.0 MiB report.pdf` */
export function progressBar(label: string, bytes: number, total: number): string {
  const ratio = total === 0 ? 1 : Math.min(1, bytes / total);
  const filled = Math.round(ratio * WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${formatBytes(bytes)}/${formatBytes(total)} ${label}`;
}

function reporter(out: ProgressOutput, label: string): (p: TransferProgress) => void {
  let step = -1;
  return (p) => {
    const line = progressBar(label, p.bytes, p.total);
    if (out.progress) return out.progress(line);
    const now = Math.floor((p.total === 0 ? 1 : p.bytes / p.total) * 4);
    if (now > step) {
      step = now;
      out.print(line);
    }
  };
}

/** `/send-file <user_id|g-group_id> <path>`: ids starting with "g-" are groups; `label` is how the recipient is shown. */
export async function sendFile(files: FileTransport, out: ProgressOutput, to: string, file: string, label = to): Promise<void> {
  const target: FileTarget = to.startsWith('g-') ? { type: 'group', id: to } : { type: 'user', id: to };
  const name = file.split(/[\\/]/).pop() ?? file;
  const result = await files.upload(file, target, { onProgress: reporter(out, name) });
  out.print(`${result.instant ? '✓ already on the server (instant upload)' : '✓ uploaded'} ${name} (${formatBytes(result.size)}) as ${result.fileId}; sent to ${label}`);
}

/**
 * A path for a download that overwrites nothing: `name`, else `name (1).ext`, `name (2).ext`, …
 * The name is reduced to its base name (a peer chose it: no `../` or absolute path escapes the
 * current directory).
 */
export function freePath(name: string, exists: (path: string) => boolean = fs.existsSync): string {
  const base = path.basename(name.replace(/\\/g, '/')) || 'download';
  if (!exists(base)) return base;
  const ext = path.extname(base);
  const stem = ext && ext !== base ? base.slice(0, -ext.length) : base;
  for (let i = 1; ; i++) {
    const candidate = `${stem} (${i})${ext && ext !== base ? ext : ''}`;
    if (!exists(candidate)) return candidate;
  }
}

/**
 * `/get <file_id> [dest]`: without dest the file keeps the name it was sent under (known from its
 * file-ref message), or its id, in the current directory — never replacing an existing file.
 */
export async function getFile(files: FileTransport, out: ProgressOutput, fileId: string, dest?: string, name?: string): Promise<void> {
  const target = dest ?? freePath(name ?? fileId);
  if (!dest && name && target !== path.basename(name)) out.print(`${path.basename(name)} exists here: saving as ${target}`);
  const result = await files.download(fileId, target, { onProgress: reporter(out, target) });
  out.print(`✓ downloaded ${fileId} to ${target} (${formatBytes(result.size)}, sha256 ${result.hash.slice(0, 12)}…)`);
}
