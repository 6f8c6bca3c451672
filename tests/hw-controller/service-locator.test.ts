import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadLayoutFile } from '../../calibration/index.ts';
import { type HardwareState, slotTarget } from '../../hw-controller/index.ts';
import { type RunningService, startService } from '../../services/app/index.ts';
import { loadConfig } from '../../services/config/index.ts';
import { createLogger } from '../../services/logging/index.ts';
import { createScratchBackend, type ScratchBackend } from '../support/databases.ts';
import { eventually, RawPeer, simulatorLocator } from '../support/hw-link.ts';

describe('the demo service and its hw-controller daemon', () => {
  let backend: ScratchBackend;
  let service: RunningService;

  before(async () => {
    backend = await createScratchBackend('server');
    const config = loadConfig({
      env: {
        DATABASE_URL: backend.settings.url!,
        PARCELROOM_HTTP_PORT: '0',
        PARCELROOM_SIMULATOR_PORT: '0',
        PARCELROOM_HW_HEARTBEAT_MS: '100',
      },
    });
    service = await startService(config, {
      logger: createLogger({ level: 'silent' }),
      printSecrets: () => {},
    });
  });
  after(async () => {
    await service?.stop();
    await backend?.dispose();
  });

  test('with the simulator on and no endpoint configured, the service runs a sim daemon and points the simulated laser through it', async () => {
    const locator = service.locator;
    assert.ok(locator, 'the service exposes its locator');
    await eventually('the link to come up', () => (locator.linkState === 'up' ? true : undefined));
    const layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
    const target = slotTarget(layout, 'A3-2');
    const state = await locator.pointAt(target);
    assert.equal(state.laser.on, true);
    const rendered = await simulatorLocator(service.simulatorUrl!);
    assert.deepEqual(rendered.laser, { on: true, panDeg: target.panDeg, tiltDeg: target.tiltDeg });
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    assert.match(metrics, /parcelroom_hw_link_up 1/);
  });

  test('stopping the service switches the laser off and stops the daemon', async () => {
    const locator = service.locator!;
    const seen: HardwareState[] = [];
    locator.on('state', (state) => seen.push(state));
    await locator.pointAt(slotTarget(await loadLayoutFile('calibration/rooms/demo-room.yaml'), 'B1-1'));
    await service.stop();
    assert.equal(locator.linkState, 'closed');
    assert.equal(seen.at(-1)?.laser.on, false, 'the last state the service heard has the laser off');
    const peer = new RawPeer(locator.endpoint, 500);
    try {
      await assert.rejects(peer.request({ type: 'ping', id: 1 }), 'nobody answers on the daemon’s endpoint');
    } finally {
      peer.close();
    }
  });
});
