import { add, cross, normalize, scale, sub, type Vec3 } from '../../calibration/index.ts';
import type { Face, Shader } from './rasterizer.ts';

/** The room's main light: ceiling fittings above and in front of the shelves. */
const towardsLight = normalize({ x: 0.25, y: -0.6, z: 1 });

/** Flat shading: ambient plus Lambert from the ceiling light. */
export function shadeFor(normal: Vec3, ambient = 0.55): number {
  const lambert = normal.x * towardsLight.x + normal.y * towardsLight.y + normal.z * towardsLight.z;
  return ambient + (1 - ambient) * Math.max(0, lambert);
}

export function faceNormal(vertices: readonly Vec3[]): Vec3 {
  return normalize(cross(sub(vertices[1]!, vertices[0]!), sub(vertices[vertices.length - 1]!, vertices[0]!)));
}

export type CuboidSide = 'front' | 'back' | 'left' | 'right' | 'top' | 'bottom';
export type CuboidShaders = Partial<Record<CuboidSide, Shader>> & { default: Shader };

/**
 * Corner order of a cuboid: bit 0 = right (+across), bit 1 = back (+depth), bit 2 = top (+up).
 * The three axes must form a right-handed frame, so the face windings below are outward.
 */
const sides: Array<{ side: CuboidSide; corners: [number, number, number, number] }> = [
  { side: 'front', corners: [0, 1, 5, 4] },
  { side: 'back', corners: [3, 2, 6, 7] },
  { side: 'left', corners: [2, 0, 4, 6] },
  { side: 'right', corners: [1, 3, 7, 5] },
  { side: 'top', corners: [4, 5, 7, 6] },
  { side: 'bottom', corners: [0, 2, 3, 1] },
];

/** Corners of a box spanned by three edge vectors from its left-front-bottom corner. */
export function boxCorners(origin: Vec3, across: Vec3, depth: Vec3, up: Vec3): Vec3[] {
  const corners: Vec3[] = [];
  for (let i = 0; i < 8; i++) {
    let p = origin;
    if (i & 1) p = add(p, across);
    if (i & 2) p = add(p, depth);
    if (i & 4) p = add(p, up);
    corners.push(p);
  }
  return corners;
}

/**
 * The faces of a (possibly sheared by rounding, but convex) cuboid. Surface coordinates are cm
 * from each face's bottom-left as seen from outside, with v upwards on vertical faces and
 * towards the back on the top.
 */
export function cuboidFaces(
  corners: readonly Vec3[],
  shaders: CuboidShaders,
  id: number,
  options: { cull?: boolean; skip?: CuboidSide[]; ambient?: number } = {},
): Face[] {
  const faces: Face[] = [];
  for (const { side, corners: index } of sides) {
    if (options.skip?.includes(side)) continue;
    const vertices = index.map((i) => corners[i]!);
    const width = Math.hypot(
      vertices[1]!.x - vertices[0]!.x,
      vertices[1]!.y - vertices[0]!.y,
      vertices[1]!.z - vertices[0]!.z,
    );
    const height = Math.hypot(
      vertices[3]!.x - vertices[0]!.x,
      vertices[3]!.y - vertices[0]!.y,
      vertices[3]!.z - vertices[0]!.z,
    );
    // A face squashed to a line (a zero-sized part) draws nothing and has no normal.
    if (width < 1e-6 || height < 1e-6) continue;
    faces.push({
      vertices,
      uv: [
        [0, 0],
        [width, 0],
        [width, height],
        [0, height],
      ],
      shader: shaders[side] ?? shaders.default,
      shade: shadeFor(faceNormal(vertices), options.ambient),
      id,
      cull: options.cull ?? true,
    });
  }
  return faces;
}

/** A box of the given cross-section running from `from` to `to` (arms, legs, posts). */
export function beamCorners(from: Vec3, to: Vec3, widthCm: number, thicknessCm: number): Vec3[] {
  const along = sub(to, from);
  const axis = normalize(along);
  const horizontal = Math.hypot(axis.x, axis.y) > 1e-6 ? { x: 0, y: 0, z: 1 } : { x: 1, y: 0, z: 0 };
  const side = normalize(cross(axis, horizontal));
  const other = cross(axis, side);
  // Right-handed (side, other, axis): side × other = axis.
  const origin = sub(sub(from, scale(side, widthCm / 2)), scale(other, thicknessCm / 2));
  return boxCorners(origin, scale(side, widthCm), scale(other, thicknessCm), along);
}
