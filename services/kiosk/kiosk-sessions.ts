import type { WebSocket } from 'ws';
import type { RoomLayout } from '../../calibration/index.ts';
import { LedgerInputError } from '../ledger/index.ts';
import type { RoomLedgerService } from '../ledger-service/index.ts';
import { describeShelfLocation } from '../notifications/index.ts';
import {
  KioskProtocolError,
  type PackageView,
  type ResidentChoice,
  type ServerMessage,
  type SessionView,
} from './kiosk-protocol.ts';
import type { KioskRepository } from './kiosk-repository.ts';
import type { KioskPhotoUrls } from './kiosk-routes.ts';
import { roomMapOf } from './room-map.ts';

/** A label read (or a tracking number typed) that waits for the courier to confirm its recipient. */
export interface Reading {
  trackingNumber: string | null;
  carrier: string | null;
  recipientText: string | null;
  candidateIds: Set<string>;
}

export type CourierSession = {
  mode: 'courier';
  sessionId: string;
  courier: { id: string; name: string; company: string };
  packageIds: string[];
  placed: PackageView[];
  readings: Map<string, Reading>;
};

export type ResidentSession = {
  mode: 'resident';
  sessionId: string;
  resident: { id: string; firstName: string };
  packages: PackageView[];
  pickedUpIds: string[];
  expiresAtMs: number;
};

export type DeviceSession = CourierSession | ResidentSession;

/** One kiosk device: its socket now (if any) and its session, which outlives a reloaded page. */
export interface Device {
  id: string;
  socket: WebSocket | undefined;
  session: DeviceSession | undefined;
  /** The last session, for messages about it that arrive just after it ended (a late placement). */
  lastSessionId: string | undefined;
  /** While a message of the device is handled, pushes wait so that the reply comes first. */
  busy: number;
  pending: ServerMessage[];
}

export interface KioskSessionsOptions {
  layout: RoomLayout;
  ledger: RoomLedgerService;
  repository: KioskRepository;
  photoUrls: KioskPhotoUrls;
}

/**
 * The kiosks' sessions, kept in memory per device (not per socket), and how a session and its
 * packages look to a kiosk.
 */
export class KioskSessions {
  readonly devices = new Map<string, Device>();
  readonly mapOf: ReturnType<typeof roomMapOf>;

  constructor(private readonly options: KioskSessionsOptions) {
    this.mapOf = roomMapOf(options.layout);
  }

  /** The device whose session (or, once ended, last session) this is. */
  deviceOfSession(sessionId: string | null): Device | undefined {
    if (sessionId === null) return undefined;
    for (const d of this.devices.values()) if (d.session?.sessionId === sessionId) return d;
    for (const d of this.devices.values()) if (!d.session && d.lastSessionId === sessionId) return d;
    return undefined;
  }

  courierSession(device: Device): CourierSession {
    if (!device.session) throw new KioskProtocolError('no_session', 'a courier must log in first');
    if (device.session.mode !== 'courier')
      throw new KioskProtocolError('wrong_session', 'only a courier can register packages');
    return device.session;
  }

  /** Ends the device's session in the ledger; the kiosk is idle afterwards. */
  async end(device: Device): Promise<ServerMessage> {
    const session = device.session;
    if (!session) throw new KioskProtocolError('no_session', 'there is no session to end');
    device.session = undefined;
    try {
      await this.options.ledger.submit(
        session.mode === 'courier'
          ? { type: 'delivery_ended', sessionId: session.sessionId }
          : { type: 'pickup_ended', sessionId: session.sessionId },
      );
    } catch (error) {
      // The ledger ended it already (a timeout, or everything was picked up): the kiosk is idle either way.
      if (!(error instanceof LedgerInputError)) {
        device.session = session;
        throw error;
      }
    }
    return { type: 'session', session: { mode: 'idle' } };
  }

  words(slotId: string): string | null {
    try {
      return describeShelfLocation(this.options.layout, slotId).words;
    } catch {
      return null;
    }
  }

  async packageViews(device: Device, packageIds: readonly string[]): Promise<PackageView[]> {
    const rows = await this.options.repository.packages(packageIds);
    return packageIds.map((id) => {
      const row = rows.get(id);
      if (!row) return emptyView(id, null);
      return {
        packageId: id,
        slotId: row.slotId,
        words: row.slotId ? this.words(row.slotId) : null,
        photoUrl: row.photoImageId ? this.options.photoUrls.urlFor(row.photoImageId, device.id) : null,
        carrier: row.carrier,
        trackingNumber: row.trackingNumber,
      };
    });
  }

  awaitingOf(session: CourierSession): string[] {
    // In the ledger's order: the first of these is the one the next package seen is taken for.
    const mine = new Set(session.packageIds);
    return this.options.ledger.state.awaiting.filter((id) => mine.has(id));
  }

  viewOf(session: DeviceSession | undefined): SessionView {
    if (!session) return { mode: 'idle' };
    if (session.mode === 'courier')
      return {
        mode: 'courier',
        sessionId: session.sessionId,
        courier: { name: session.courier.name, company: session.courier.company },
        awaitingPackageIds: this.awaitingOf(session),
        placed: session.placed,
      };
    return {
      mode: 'resident',
      sessionId: session.sessionId,
      resident: { firstName: session.resident.firstName },
      packages: session.packages,
      pickedUpIds: session.pickedUpIds,
      expiresAtMs: session.expiresAtMs,
      map: this.mapOf(
        session.packages
          .filter((p) => !session.pickedUpIds.includes(p.packageId))
          .map((p) => p.slotId)
          .filter((s): s is string => s !== null),
      ),
    };
  }
}

export function choiceOf(
  r: { id: string; firstName: string; lastName: string; apartment: string },
  score: number | null,
): ResidentChoice {
  return { residentId: r.id, firstName: r.firstName, lastName: r.lastName, apartment: r.apartment, score };
}

export const emptyView = (packageId: string, slotId: string | null): PackageView => ({
  packageId,
  slotId,
  words: null,
  photoUrl: null,
  carrier: null,
  trackingNumber: null,
});
