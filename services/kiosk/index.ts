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
  defaultLoginLimits,
  type LimitCheck,
  type LoginKind,
  type LoginLimitSettings,
  LoginLimits,
} from './login-limits.ts';
export {
  createPickupCredentials,
  type PickupCredentials,
  type PickupCredentialsOptions,
  type PickupLookup,
  type PickupTokenFailure,
} from './pickup-credentials.ts';
export { roomMapOf } from './room-map.ts';
export { serviceSecret } from './service-secrets.ts';
