import type { Database } from '../store/index.ts';
import { KioskDeviceRegistry, parseKioskDevices } from './kiosk-devices.ts';
import { serviceSecret } from './service-secrets.ts';

export interface KioskSettings {
  devices?: string | undefined;
  secret?: string | undefined;
}

/**
 * The kiosk devices and the credentials key from the configuration, or, where it gives none, the
 * demo device `kiosk-1` and a key made once and kept in the database (docs/kiosk-protocol.md).
 */
export async function kioskSecrets(
  db: Database,
  settings: KioskSettings,
): Promise<{ devices: KioskDeviceRegistry; secret: string }> {
  const devices = settings.devices
    ? new KioskDeviceRegistry(parseKioskDevices(settings.devices), false)
    : new KioskDeviceRegistry(
        [{ id: 'kiosk-1', token: await serviceSecret(db, 'kiosk-device:kiosk-1', 24) }],
        true,
      );
  const secret = settings.secret ?? (await serviceSecret(db, 'kiosk-credentials', 32));
  return { devices, secret };
}
