export {
  defaultLocatorMountError,
  idealLocatorMount,
  type LocatorMountError,
  laserBeam,
} from './laser.ts';
export { type PlacedPackage, placePackages, SceneGeometryError } from './package-geometry.ts';
export {
  createRoomRenderer,
  RenderError,
  type RoomRenderer,
  type RoomRendererOptions,
} from './room-renderer.ts';
