export { applyHomography, computeHomography, type Homography, invertHomography } from './homography.ts';
export { aimAngles, laserDirection } from './laser-aim.ts';
export {
  type CameraPose,
  createPinholeCamera,
  type PinholeCamera,
  type ProjectedPoint,
} from './pinhole-camera.ts';
export {
  boundingBox,
  convexHull,
  isSimplePolygon,
  minAreaRectangle,
  pointInPolygon,
  polygonArea,
  polygonsOverlap,
  rectangleCorners,
  segmentsIntersect,
  signedArea,
} from './polygon.ts';
export { add, cross, dot, length, normalize, type Point2, scale, sub, type Vec3 } from './vector.ts';
