import type { Logger } from '../logging/index.ts';
import type { RoomHardware } from '../room-hardware/index.ts';
import { KioskProtocolError, type ServerMessage } from './kiosk-protocol.ts';
import { errorMessage } from './kiosk-replies.ts';

/** The door as a kiosk asks for it: through the room's hardware, answered to the person waiting. */
export class KioskDoor {
  constructor(
    private readonly hardware: RoomHardware | undefined,
    private readonly unlockMs: number,
    private readonly logger: Logger,
  ) {}

  get available(): boolean {
    return this.hardware?.hasDoor ?? false;
  }

  /** Unlocks the door for the kiosk's session, or refuses with words for the person. */
  async unlock(deviceId: string): Promise<ServerMessage> {
    if (!this.hardware?.hasDoor)
      throw new KioskProtocolError('door_unavailable', 'this room has no door controller');
    try {
      await this.hardware.unlockDoor(this.unlockMs);
    } catch (error) {
      this.logger.info({ deviceId, error: (error as Error).message }, 'kiosk door request refused');
      throw new KioskProtocolError('door_unavailable', 'the door did not unlock; ask staff for help');
    }
    return { type: 'door', unlocked: true, durationMs: this.unlockMs };
  }

  /** Unlocks the door on a login and tells the kiosk how it went; a room without a door says nothing. */
  async unlockAndTell(deviceId: string, tell: (message: ServerMessage) => void): Promise<void> {
    if (!this.available) return;
    try {
      tell(await this.unlock(deviceId));
    } catch (error) {
      if (error instanceof KioskProtocolError) tell(errorMessage(error, undefined));
    }
  }
}
