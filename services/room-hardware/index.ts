export { linkReady } from './link-ready.ts';
export { type LaserState, RoomHardware, type RoomHardwareOptions } from './room-hardware.ts';
export { DoorUnavailableError } from './room-hardware-errors.ts';
export { createRoomHardwareMetrics, type RoomHardwareMetrics } from './room-hardware-metrics.ts';
