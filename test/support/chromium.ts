import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** Debian's `chromium` package installs here; CHROMIUM_PATH names any other Chromium or Chrome executable. */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** The Chromium the UI tests drive, or an error that says how to get one. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const path = env.CHROMIUM_PATH ?? DEBIAN_CHROMIUM;
  if (!existsSync(path)) {
    throw new Error(
      `The UI tests need a Chromium and found none at ${path}${env.CHROMIUM_PATH === undefined ? '' : ' (CHROMIUM_PATH)'}. ` +
        'Install it with `apt-get install -y chromium` (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome executable.',
    );
  }
  return path;
}

/** Headless, without the sandbox (CI containers run as root). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox'], timeout: 30_000 });
}

/** Where screenshots go: `test-results/ui/` (git-ignored), or IPN_GAUNTLET_SCREENSHOTS. */
export async function screenshotDir(): Promise<string> {
  const dir = process.env.IPN_GAUNTLET_SCREENSHOTS ?? join(process.cwd(), 'test-results', 'ui');
  await mkdir(dir, { recursive: true });
  return dir;
}
