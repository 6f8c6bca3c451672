export {
  checkLimits,
  type DaemonLimits,
  defaultDoorMaxOpenMs,
  type LimitOverrides,
  limitsFromLayout,
} from './daemon/command-limits.ts';
export { type DaemonChild, type DaemonChildOptions, spawnSimDaemon } from './daemon/daemon-process.ts';
export { HardwareSupervisor } from './daemon/hardware-supervisor.ts';
export { type HwDaemon, type HwDaemonOptions, startHwDaemon } from './daemon/hw-daemon.ts';
export { type DaemonSettings, runDaemon } from './daemon/run-daemon.ts';
export type { LocatorDriver } from './drivers/locator-driver.ts';
export {
  DeviceEmulator,
  type DeviceEmulatorOptions,
  type DeviceEvent,
  type DeviceState,
} from './drivers/serial/device-emulator.ts';
export { SerialDriver, type SerialDriverOptions } from './drivers/serial/serial-driver.ts';
export { checksum, formatFrame, parseLine, type SerialFrame } from './drivers/serial/serial-frame.ts';
export { SerialParser } from './drivers/serial/serial-parser.ts';
export { SimDriver, type SimDriverOptions, type SimulatorLocatorState } from './drivers/sim-driver.ts';
export {
  HwClosedError,
  HwCommandError,
  HwControllerError,
  HwDriverError,
  HwLinkTimeoutError,
  HwSupersededError,
} from './hw-errors.ts';
export type { LinkState } from './link/request-channel.ts';
export { createHwLinkMetrics, type HwLinkMetrics } from './link-metrics.ts';
export {
  createLocatorClient,
  LocatorClient,
  type LocatorClientEvents,
  type LocatorClientOptions,
  type LocatorTarget,
} from './locator-client.ts';
export { type Decoded, decodeReply, decodeRequest, encodeMessage } from './protocol/codec.ts';
export {
  type DoorState,
  type ErrorCode,
  errorCodes,
  type HardwareState,
  hardwareStateSchema,
  maxBodyBytes,
  type OutputState,
  protocolTag,
  protocolVersion,
  type Reply,
  type Request,
  type RequestBody,
  replySchema,
  requestSchema,
  type StrobePattern,
  strobePatterns,
} from './protocol/messages.ts';
export { RttEstimator, type RttEstimatorOptions } from './rtt-estimator.ts';
export { type ServiceLocator, type ServiceLocatorOptions, startServiceLocator } from './service-locator.ts';
export { slotTarget } from './slot-targets.ts';
