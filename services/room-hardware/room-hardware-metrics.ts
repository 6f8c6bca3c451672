import { Counter, Histogram, type Registry } from 'prom-client';

/** What the room's hardware subscriber did with the ledger's decisions and the kiosks' door requests. */
export function createRoomHardwareMetrics(registry: Registry) {
  const registers = [registry];
  return {
    commands: new Counter({
      name: 'parcelroom_room_hardware_commands_total',
      help: 'Hardware commands by command (point, off, door_unlock) and outcome (ok, superseded, failed, no_hardware)',
      labelNames: ['command', 'outcome'] as const,
      registers,
    }),
    commandSeconds: new Histogram({
      name: 'parcelroom_room_hardware_command_seconds',
      help: 'From a committed locator decision (or a door request) to the daemon acknowledging it',
      labelNames: ['command'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    }),
  };
}

export type RoomHardwareMetrics = ReturnType<typeof createRoomHardwareMetrics>;
