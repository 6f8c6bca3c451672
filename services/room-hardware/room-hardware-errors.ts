/** Why a door did not unlock: the kiosk turns it into words for the person at the door. */
export class DoorUnavailableError extends Error {
  override readonly name = 'DoorUnavailableError';
  constructor(
    readonly reason: 'no_door_controller' | 'not_unlocked',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
