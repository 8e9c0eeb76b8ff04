/**
 * A real browser for the web client specs: Debian's Chromium (CHROMIUM_PATH, default
 * /usr/bin/chromium) driven by playwright-core, headless, each context with its own fresh profile
 * (playwright makes a temporary user-data-dir per launch). Specs declare
 * `describeWith({ chromium: true }, …)`; `.ci/run` installs the package.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';

export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

const ROOT = path.resolve(__dirname, '../..');

/** Builds the browser SDK bundle the web client loads, unless it is newer than every client source. */
export function ensureBrowserBundle(): void {
  const bundle = path.join(ROOT, 'dist/browser/switchboard.js');
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((max, e) => Math.max(max, e.isDirectory() ? newest(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs), 0);
  const sources = Math.max(newest(path.join(ROOT, 'src/client')), newest(path.join(ROOT, 'src/shared')), newest(path.join(ROOT, 'scripts/browser-shims')));
  if (fs.existsSync(bundle) && fs.statSync(bundle).mtimeMs > sources) return;
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-browser.js')], { cwd: ROOT, stdio: 'inherit' });
}
