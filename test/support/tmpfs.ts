/**
 * A small tmpfs for specs that need a real full file system (ENOSPC from the kernel, statfs that
 * says so): `mount -t tmpfs -o size=<n> tmpfs <dir>`. Needs root with CAP_SYS_ADMIN (CI runs so);
 * specs declare it with describeWith({ tmpfs: true }, ...).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

let probed: boolean | undefined;

/** Can this process mount (and unmount) a tmpfs? Tried once, on a 1 MiB one. */
export function canMountTmpfs(): boolean {
  if (probed !== undefined) return probed;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-tmpfs-probe-'));
  try {
    probed = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' }).status === 0;
    if (probed) spawnSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    probed = false;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return probed;
}

export interface Tmpfs {
  dir: string;
  /** Unmounts and removes the mount point. */
  cleanup(): void;
}

/** Mounts a tmpfs of `bytes` on a fresh directory. */
export function mountTmpfs(bytes: number): Tmpfs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
  return {
    dir,
    cleanup: () => {
      spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
