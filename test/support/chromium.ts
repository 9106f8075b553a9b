import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Where Debian's Chromium lives; `CODEBOLT_CHROMIUM` overrides it. */
export const chromiumPath = process.env.CODEBOLT_CHROMIUM ?? '/usr/bin/chromium';

/** True when the browser tests can run here; in CI (`CODEBOLT_REQUIRE_CHROMIUM=1`) they must. */
export const chromiumAvailable = existsSync(chromiumPath) || process.env.CODEBOLT_REQUIRE_CHROMIUM === '1';

/**
 * Debian's Chromium, headless, with the flags this machine's closed network needs (without the
 * background-networking ones Chromium floods the sandbox with refused connections). Close it.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
