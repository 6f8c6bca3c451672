import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const chromiumPath = process.env.PARCELROOM_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Debian's Chromium driven by playwright-core, headless, with everything that phones home turned
 * off: tests reach only loopback addresses. The fake camera lets the kiosk's getUserMedia work.
 */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(chromiumPath))
    throw new Error(
      `${chromiumPath} is missing: apt-get install -y chromium (it is in .ci/apt-packages.txt)`,
    );
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      ...extraArgs,
    ],
  });
}
