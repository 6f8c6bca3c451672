import { randomUUID } from 'node:crypto';
import { type KioskMessage, LedgerInputError, placedPackagesOf } from '../ledger/index.ts';
import type { RoomLedgerService } from '../ledger-service/index.ts';
import type { LaserState } from '../room-hardware/index.ts';
import type { KioskFlowContext } from './kiosk-flow-context.ts';
import { type ClientMessage, KioskProtocolError, type ServerMessage } from './kiosk-protocol.ts';
import type { Device } from './kiosk-sessions.ts';
import type { PickupCredentials } from './pickup-credentials.ts';

/**
 * A resident's pickup at a kiosk: login by PIN or QR code into `pickup_started`, and what the
 * ledger committed about the pickup (and what the laser does for it) told back.
 */
export class ResidentFlow {
  constructor(
    private readonly ctx: KioskFlowContext,
    private readonly credentials: PickupCredentials,
  ) {}

  async login(
    device: Device,
    message: Extract<ClientMessage, { type: 'resident_login' }>,
  ): Promise<ServerMessage> {
    const { ctx } = this;
    if (device.session) throw new KioskProtocolError('session_open', 'end the open session first');
    // Only PINs can be guessed: a QR token is signed, so its logins are never locked out (a
    // stranger typing wrong PINs must not keep residents with their QR code out).
    const reservation =
      message.pin !== undefined ? await ctx.guard.reserve('resident', device.id) : undefined;
    const { roomId } = ctx;
    const found =
      message.pin !== undefined
        ? await this.credentials.findByPin(roomId, message.pin)
        : await this.credentials.claimToken(roomId, message.qrToken!, device.id, Date.now());
    if (!found.ok) {
      // Only a PIN lookup says wrong_pin, and every PIN try holds a reservation.
      if (found.reason === 'wrong_pin') return ctx.guard.wrong('resident', device.id, 'PIN', reservation!);
      if (found.reason === 'token_invalid') {
        ctx.logger.warn({ deviceId: device.id }, 'QR code refused: not signed by this room');
        throw new KioskProtocolError(
          'token_invalid',
          'this QR code is not one of ours; use the PIN from the message',
        );
      }
      throw new KioskProtocolError(
        found.reason,
        found.reason === 'token_expired'
          ? 'this QR code has expired; use the PIN from the same message'
          : 'this QR code was used already; use the PIN from the same message',
      );
    }
    const release = async () => {
      if (found.credentialId) await this.credentials.releaseToken(found.credentialId);
    };
    const resident = await ctx.repository.resident(found.residentId);
    const packageIds = placedPackagesOf(ctx.ledger.state, found.residentId).map((p) => p.id);
    if (!resident || packageIds.length === 0) {
      await release();
      throw new KioskProtocolError('nothing_to_pick_up', 'there is no package for you on the shelves now');
    }
    if (message.pin !== undefined) await ctx.guard.right('resident', device.id);
    const sessionId = randomUUID();
    let committed: Awaited<ReturnType<RoomLedgerService['submit']>>;
    try {
      // Registered before the ledger is asked: its locator decision is committed with the session.
      device.lastSessionId = sessionId;
      committed = await ctx.ledger.submit({
        type: 'pickup_started',
        sessionId,
        residentId: resident.id,
        packageIds,
      });
    } catch (error) {
      await release();
      if (error instanceof LedgerInputError)
        throw new KioskProtocolError(
          'nothing_to_pick_up',
          'your packages are being picked up at another kiosk',
        );
      throw error;
    }
    const started = committed.decisions.find((d) => d.type === 'pickup_started');
    const packages = await ctx.sessions.packageViews(device, packageIds);
    device.session = {
      mode: 'resident',
      sessionId,
      resident: { id: resident.id, firstName: resident.firstName },
      packages,
      pickedUpIds: [],
      expiresAtMs: started?.type === 'pickup_started' ? started.expiresAtMs : Date.now() + 180_000,
    };
    ctx.logger.info({ deviceId: device.id, sessionId, packages: packageIds.length }, 'resident logged in');
    void ctx.door.unlockAndTell(device.id, (m) => ctx.push(device, m));
    const first = packages[0]!;
    ctx.push(device, {
      type: 'speech',
      text:
        packages.length === 1
          ? `Hello ${resident.firstName}. Your package is on ${first.words ?? first.slotId}. Follow the red dot.`
          : `Hello ${resident.firstName}. You have ${packages.length} packages. The first is on ${first.words ?? first.slotId}. Follow the red dot.`,
    });
    return {
      type: 'pickup_started',
      sessionId,
      packages,
      map: ctx.sessions.mapOf(packages.map((p) => p.slotId).filter((s): s is string => s !== null)),
      expiresAtMs: device.session.expiresAtMs,
    };
  }

  /** What the ledger committed about a pickup, told to the kiosk of its session. */
  onCommitted(
    message: Extract<KioskMessage, { kind: 'package_picked_up' | 'wrong_package_taken' | 'pickup_ended' }>,
  ): void {
    const { ctx } = this;
    const { sessions } = ctx;
    const device = sessions.deviceOfSession(message.sessionId);
    if (!device) return;
    switch (message.kind) {
      case 'package_picked_up': {
        if (device.session?.mode === 'resident') device.session.pickedUpIds.push(message.packageId);
        ctx.push(device, {
          type: 'picked_up',
          packageId: message.packageId,
          remainingPackageIds: message.remainingPackageIds,
        });
        const next =
          device.session?.mode === 'resident'
            ? device.session.packages.find((p) => p.packageId === message.remainingPackageIds[0])
            : undefined;
        ctx.push(device, {
          type: 'speech',
          text: next
            ? `Got it. The next one is on ${next.words ?? next.slotId}.`
            : 'Got it. Have a nice day.',
        });
        return;
      }
      case 'wrong_package_taken': {
        ctx.push(device, {
          type: 'wrong_package',
          packageId: message.packageId,
          slotId: message.slotId,
          expectedSlotIds: message.expectedSlotIds,
          map: sessions.mapOf(message.expectedSlotIds),
        });
        const yours = message.expectedSlotIds[0];
        ctx.push(device, {
          type: 'speech',
          text: `That is not your package. Please put it back${yours ? `. Yours is on ${sessions.words(yours) ?? yours}` : ''}.`,
        });
        return;
      }
      case 'pickup_ended': {
        ctx.push(device, {
          type: 'pickup_ended',
          sessionId: message.sessionId,
          outcome: message.outcome,
          pickedUpIds: message.pickedUpIds,
          leftBehindIds: message.leftBehindIds,
        });
        if (device.session?.sessionId === message.sessionId) {
          device.session = undefined;
          ctx.push(device, { type: 'session', session: { mode: 'idle' } });
        }
        return;
      }
    }
  }

  /** What the laser does for a pickup, for the kiosk page to show. */
  onLaser(laser: LaserState): void {
    const device = this.ctx.sessions.deviceOfSession(laser.sessionId);
    if (device) this.ctx.push(device, { type: 'locator', state: laser.state, slotId: laser.slotId });
  }
}
