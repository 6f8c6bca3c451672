import { createHash, timingSafeEqual } from 'node:crypto';

export interface KioskDevice {
  id: string;
  token: string;
}

/** `id:token,id:token` (config `kiosk.devices`) → devices; the schema has checked the shape. */
export function parseKioskDevices(text: string): KioskDevice[] {
  return text.split(',').map((pair) => {
    const at = pair.indexOf(':');
    return { id: pair.slice(0, at), token: pair.slice(at + 1) };
  });
}

/** The kiosks allowed to connect. Tokens are compared by their digests, in constant time. */
export class KioskDeviceRegistry {
  private readonly digests = new Map<string, Buffer>();

  constructor(
    readonly devices: readonly KioskDevice[],
    /** True when the devices are the service's own demo device (its token may be handed out on loopback). */
    readonly demo: boolean,
  ) {
    for (const d of devices) this.digests.set(d.id, digest(d.token));
  }

  authenticate(deviceId: string, token: string): boolean {
    const expected = this.digests.get(deviceId);
    // A digest of the token for an unknown device too, so timing does not tell which ids exist.
    const given = digest(token);
    return expected !== undefined && timingSafeEqual(expected, given);
  }
}

const digest = (token: string) => createHash('sha256').update(token).digest();
