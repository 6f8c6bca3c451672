export {
  type CourierCredentials,
  type CourierLookups,
  courierLookups,
  createCourierCredentials,
  type KeyedHash,
  type KioskCourier,
} from './courier-credentials.ts';
export { type KioskDevice, KioskDeviceRegistry, parseKioskDevices } from './kiosk-devices.ts';
export * from './kiosk-protocol.ts';
export { createKioskRepository, type KioskRepository } from './kiosk-repository.ts';
export {
  createKioskPhotoUrls,
  isLoopback,
  type KioskPhotoUrls,
  kioskRoutes,
  photoUrlLifetimeMs,
} from './kiosk-routes.ts';
export { KioskServer, type KioskServerOptions } from './kiosk-server.ts';
export { type KioskSettings, kioskSecrets } from './kiosk-setup.ts';
export {
  backoffAfter,
  defaultLoginLimits,
  describeWait,
  type LoginLimitSettings,
  type LoginTryState,
  refundTry,
  reserveTry,
  type TryReservation,
} from './login-backoff.ts';
export { type LoginKind, LoginLimits } from './login-limits.ts';
export {
  createPickupCredentials,
  type PickupCredentials,
  type PickupCredentialsOptions,
  type PickupLookup,
  type PickupTokenFailure,
  pickupPinDigits,
} from './pickup-credentials.ts';
export {
  assumedMaxKiosks,
  assumedWaitingPins,
  type GuessingBound,
  maxTriesPerKiosk,
  pinGuessingBound,
  yearMs,
} from './pin-guessing-bound.ts';
export { roomMapOf } from './room-map.ts';
export { serviceSecret } from './service-secrets.ts';
