import type { LocatorClient } from '../../hw-controller/index.ts';

/**
 * Waits for the hw-controller link to be up (at most `timeoutMs`): right after the service starts,
 * or while the daemon restarts, a door request would otherwise time out while the link connects.
 */
export function linkReady(locator: LocatorClient, timeoutMs: number): Promise<void> {
  if (locator.linkState === 'up') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    const off = locator.on('link', (state) => {
      if (state === 'up') done();
    });
  });
}
