import type { Registry } from 'prom-client';
import { type Observable, Subject, type Subscription } from 'rxjs';
import type { RoomLayout } from '../../calibration/index.ts';
import { HwSupersededError, type LocatorClient, slotTarget } from '../../hw-controller/index.ts';
import type { LocatorCommand, RoomLedgerService } from '../ledger-service/index.ts';
import type { Logger } from '../logging/index.ts';
import { linkReady } from './link-ready.ts';
import { DoorUnavailableError } from './room-hardware-errors.ts';
import { createRoomHardwareMetrics, type RoomHardwareMetrics } from './room-hardware-metrics.ts';

/** What the laser does now for a session, once the daemon acknowledged it (what kiosks show). */
export interface LaserState {
  sessionId: string;
  state: 'pointing' | 'off';
  slotId: string | null;
}

export interface RoomHardwareOptions {
  /** The ledger whose committed locator decisions are driven. */
  ledger: Pick<RoomLedgerService, 'locator$'>;
  layout: RoomLayout;
  /** The hw-controller link; without one the room has no locator and no door controller. */
  locator?: LocatorClient | undefined;
  logger: Logger;
  registry?: Registry | undefined;
  /** How long a door request waits for a link that is still connecting. */
  doorLinkWaitMs?: number;
}

/**
 * The room's hardware as a subscriber of the ledger: every committed locator decision becomes a
 * `pointAt(slotTarget(…))` or `off()` on the hw-controller link, whoever else runs (a kiosk
 * server or not). The door is not a ledger decision: it changes no room state and the person at
 * the kiosk waits for its answer, so kiosks ask for it here (`unlockDoor`) and get a typed refusal.
 */
export class RoomHardware {
  private readonly subscription: Subscription;
  private readonly laser = new Subject<LaserState>();
  private readonly logger: Logger;
  private readonly metrics: RoomHardwareMetrics | undefined;

  /**
   * What the laser does after each committed decision, once the daemon acknowledged it; at once
   * when the room has no locator (the kiosk still shows where to look). A decision replaced by a
   * newer one before it was sent, or one that failed, is not told: the newer one is.
   */
  readonly laser$: Observable<LaserState> = this.laser.asObservable();

  constructor(private readonly options: RoomHardwareOptions) {
    this.logger = options.logger.child({ component: 'room-hardware' });
    this.metrics = options.registry ? createRoomHardwareMetrics(options.registry) : undefined;
    this.subscription = options.ledger.locator$.subscribe((command) => void this.drive(command));
  }

  /** Whether the room has a door controller (a hw-controller link). */
  get hasDoor(): boolean {
    return this.options.locator !== undefined;
  }

  /** Unlocks the door for `durationMs` (the daemon bounds it), or says why it did not. */
  async unlockDoor(durationMs: number): Promise<void> {
    const locator = this.options.locator;
    if (!locator) {
      this.metrics?.commands.inc({ command: 'door_unlock', outcome: 'no_hardware' });
      throw new DoorUnavailableError('no_door_controller', 'this room has no door controller');
    }
    const timer = this.metrics?.commandSeconds.startTimer({ command: 'door_unlock' });
    try {
      await linkReady(locator, this.options.doorLinkWaitMs ?? 5000);
      await locator.unlockDoor(durationMs);
    } catch (error) {
      this.metrics?.commands.inc({ command: 'door_unlock', outcome: 'failed' });
      this.logger.warn({ error: (error as Error).message }, 'door did not unlock');
      throw new DoorUnavailableError('not_unlocked', 'the door did not unlock', { cause: error });
    }
    timer?.();
    this.metrics?.commands.inc({ command: 'door_unlock', outcome: 'ok' });
    this.logger.info({ durationMs }, 'door unlocked');
  }

  /** Stops driving: later decisions are not sent (the daemon switches the laser off by itself). */
  stop(): void {
    this.subscription.unsubscribe();
    this.laser.complete();
  }

  private async drive(command: LocatorCommand): Promise<void> {
    const locator = this.options.locator;
    const state: LaserState =
      command.action === 'point'
        ? { sessionId: command.sessionId, state: 'pointing', slotId: command.slotId }
        : { sessionId: command.sessionId, state: 'off', slotId: null };
    if (!locator) {
      this.metrics?.commands.inc({ command: command.action, outcome: 'no_hardware' });
      this.laser.next(state);
      return;
    }
    const timer = this.metrics?.commandSeconds.startTimer({ command: command.action });
    try {
      if (command.action === 'point') await locator.pointAt(slotTarget(this.options.layout, command.slotId));
      else await locator.off();
    } catch (error) {
      // A newer command replaced this one before it was sent: the newer one is told.
      if (error instanceof HwSupersededError) {
        this.metrics?.commands.inc({ command: command.action, outcome: 'superseded' });
        return;
      }
      this.metrics?.commands.inc({ command: command.action, outcome: 'failed' });
      this.logger.warn(
        { action: command.action, sessionId: command.sessionId, error: (error as Error).message },
        'locator command failed',
      );
      return;
    }
    timer?.();
    this.metrics?.commands.inc({ command: command.action, outcome: 'ok' });
    this.logger.debug(
      { action: command.action, sessionId: command.sessionId, slotId: state.slotId },
      'locator command done',
    );
    this.laser.next(state);
  }
}
