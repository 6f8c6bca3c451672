import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig, redactConfig } from '../../../services/config/index.ts';
import { KioskDeviceRegistry, parseKioskDevices } from '../../../services/kiosk/index.ts';

describe('kiosk settings', () => {
  const token = 'a'.repeat(24);

  test('devices are id:token pairs; a malformed list names the variable and what it must be', () => {
    const config = loadConfig({
      env: { PARCELROOM_KIOSK_DEVICES: `kiosk-1:${token},lobby:${'b'.repeat(30)}` },
    });
    assert.deepEqual(parseKioskDevices(config.kiosk.devices!), [
      { id: 'kiosk-1', token },
      { id: 'lobby', token: 'b'.repeat(30) },
    ]);
    assert.throws(
      () => loadConfig({ env: { PARCELROOM_KIOSK_DEVICES: 'kiosk-1:short' } }),
      /PARCELROOM_KIOSK_DEVICES must be id:token pairs separated by commas/,
    );
    assert.throws(
      () => loadConfig({ env: { PARCELROOM_KIOSK_SECRET: 'too short' } }),
      /PARCELROOM_KIOSK_SECRET must be at least 32 characters/,
    );
  });

  test('printed configuration hides device tokens and the credentials key', () => {
    const config = loadConfig({
      env: { PARCELROOM_KIOSK_DEVICES: `kiosk-1:${token}`, PARCELROOM_KIOSK_SECRET: 's'.repeat(40) },
    });
    const shown = JSON.stringify(redactConfig(config));
    assert.ok(!shown.includes(token) && !shown.includes('s'.repeat(40)));
    assert.match(shown, /kiosk-1:\*\*\*/);
  });

  test('a device is accepted only with its own token', () => {
    const registry = new KioskDeviceRegistry(
      parseKioskDevices(`kiosk-1:${token},kiosk-2:${'c'.repeat(24)}`),
      false,
    );
    assert.equal(registry.authenticate('kiosk-1', token), true);
    assert.equal(registry.authenticate('kiosk-2', token), false);
    assert.equal(registry.authenticate('kiosk-3', token), false);
    assert.equal(registry.authenticate('kiosk-1', `${token}x`), false);
  });
});
