import type { RoomLedgerService } from '../ledger-service/index.ts';
import type { Logger } from '../logging/index.ts';
import type { KioskDoor } from './kiosk-door.ts';
import type { KioskLoginGuard } from './kiosk-login-guard.ts';
import type { ServerMessage } from './kiosk-protocol.ts';
import type { KioskRepository } from './kiosk-repository.ts';
import type { Device, KioskSessions } from './kiosk-sessions.ts';

/** What the courier and resident flows share: the ledger they submit to and the ways to answer. */
export interface KioskFlowContext {
  roomId: string;
  ledger: RoomLedgerService;
  repository: KioskRepository;
  sessions: KioskSessions;
  guard: KioskLoginGuard;
  door: KioskDoor;
  logger: Logger;
  /** A message the kiosk did not ask for, sent after the reply of the message being handled. */
  push(device: Device, message: ServerMessage): void;
}
