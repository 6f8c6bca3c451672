import type { PinholeCamera, Vec3 } from '../../calibration/index.ts';

/**
 * Writes one pixel's colour. `u`, `v` are the face's surface coordinates in cm (perspective
 * correct), `shade` the face's light factor. Shaders write straight into the canvas so the hot
 * loop allocates nothing.
 */
export type Shader = (u: number, v: number, shade: number, rgb: Uint8Array, offset: number) => void;

/** A flat convex polygon of the scene. */
export interface Face {
  vertices: readonly Vec3[];
  /** Surface coordinates (cm) of each vertex, for textures. */
  uv: ReadonlyArray<readonly [number, number]>;
  shader: Shader;
  /** Light factor for the whole face (flat shading). */
  shade: number;
  /** Object id written to the id buffer: 0 for the room itself. */
  id: number;
  /** Faces of closed solids are skipped when they face away from the camera. */
  cull: boolean;
}

/** Colour, inverse depth and object id of every pixel. */
export class FrameCanvas {
  readonly rgb: Uint8Array;
  /** 1 / depth along the optical axis; 0 = nothing drawn (infinitely far). */
  readonly invDepth: Float32Array;
  readonly ids: Uint16Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.rgb = new Uint8Array(width * height * 3);
    this.invDepth = new Float32Array(width * height);
    this.ids = new Uint16Array(width * height);
  }

  copyFrom(other: FrameCanvas): void {
    this.rgb.set(other.rgb);
    this.invDepth.set(other.invDepth);
    this.ids.set(other.ids);
  }
}

const nearCm = 2;
// Scratch arrays for clipping and projection; faces have at most a few dozen corners.
const maxCorners = 64;
const camX = new Float64Array(maxCorners);
const camY = new Float64Array(maxCorners);
const camZ = new Float64Array(maxCorners);
const texU = new Float64Array(maxCorners);
const texV = new Float64Array(maxCorners);
const clipX = new Float64Array(maxCorners);
const clipY = new Float64Array(maxCorners);
const clipZ = new Float64Array(maxCorners);
const clipU = new Float64Array(maxCorners);
const clipV = new Float64Array(maxCorners);
const screenX = new Float64Array(maxCorners);
const screenY = new Float64Array(maxCorners);

export type DrawMode = { kind: 'opaque' } | { kind: 'darken'; factor: number };
const opaque: DrawMode = { kind: 'opaque' };

/**
 * Rasterises a convex face with a z-buffer. Inverse depth and u/z, v/z are affine in screen space
 * for a planar polygon, so each is one plane equation: exact perspective without per-pixel
 * divisions beyond one reciprocal. Returns the number of pixels written.
 */
export function drawFace(canvas: FrameCanvas, camera: PinholeCamera, face: Face, mode = opaque): number {
  const n = face.vertices.length;
  if (n < 3 || n > maxCorners / 2) return 0;
  const { position: p, right, down, forward } = camera;
  for (let i = 0; i < n; i++) {
    const v = face.vertices[i]!;
    const dx = v.x - p.x;
    const dy = v.y - p.y;
    const dz = v.z - p.z;
    camX[i] = dx * right.x + dy * right.y + dz * right.z;
    camY[i] = dx * down.x + dy * down.y + dz * down.z;
    camZ[i] = dx * forward.x + dy * forward.y + dz * forward.z;
    texU[i] = face.uv[i]![0];
    texV[i] = face.uv[i]![1];
  }
  if (face.cull) {
    // Outward normal from the first corner's fan; a face seen from behind is skipped.
    const ax = camX[1]! - camX[0]!;
    const ay = camY[1]! - camY[0]!;
    const az = camZ[1]! - camZ[0]!;
    const bx = camX[n - 1]! - camX[0]!;
    const by = camY[n - 1]! - camY[0]!;
    const bz = camZ[n - 1]! - camZ[0]!;
    const nx = ay * bz - az * by;
    const ny = az * bx - ax * bz;
    const nz = ax * by - ay * bx;
    // (right, down, forward) is a right-handed frame, so this is the outward normal in camera
    // space, and the camera sits at the origin: facing away when it points along the view ray.
    if (nx * camX[0]! + ny * camY[0]! + nz * camZ[0]! >= 0) return 0;
  }
  // Clip against the near plane (Sutherland–Hodgman, one plane).
  let m = 0;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const zi = camZ[i]!;
    const zj = camZ[j]!;
    const inI = zi >= nearCm;
    if (inI) {
      clipX[m] = camX[i]!;
      clipY[m] = camY[i]!;
      clipZ[m] = zi;
      clipU[m] = texU[i]!;
      clipV[m] = texV[i]!;
      m++;
    }
    if (inI !== zj >= nearCm) {
      const t = (nearCm - zi) / (zj - zi);
      clipX[m] = camX[i]! + t * (camX[j]! - camX[i]!);
      clipY[m] = camY[i]! + t * (camY[j]! - camY[i]!);
      clipZ[m] = nearCm;
      clipU[m] = texU[i]! + t * (texU[j]! - texU[i]!);
      clipV[m] = texV[i]! + t * (texV[j]! - texV[i]!);
      m++;
    }
  }
  if (m < 3) return 0;
  const f = camera.focalPx;
  const cx = camera.width / 2;
  const cy = camera.height / 2;
  let minY = Number.POSITIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < m; i++) {
    screenX[i] = cx + (f * clipX[i]!) / clipZ[i]!;
    screenY[i] = cy + (f * clipY[i]!) / clipZ[i]!;
    if (screenY[i]! < minY) minY = screenY[i]!;
    if (screenY[i]! > maxY) maxY = screenY[i]!;
  }
  // Plane equations through the corner pair that spans the largest triangle with corner 0.
  let best = 0;
  let bi = 1;
  let bj = 2;
  for (let i = 1; i < m - 1; i++) {
    for (let j = i + 1; j < m; j++) {
      const area = Math.abs(
        (screenX[i]! - screenX[0]!) * (screenY[j]! - screenY[0]!) -
          (screenX[j]! - screenX[0]!) * (screenY[i]! - screenY[0]!),
      );
      if (area > best) {
        best = area;
        bi = i;
        bj = j;
      }
    }
  }
  if (best < 1e-6) return 0;
  const x0 = screenX[0]!;
  const y0 = screenY[0]!;
  const x1 = screenX[bi]! - x0;
  const y1 = screenY[bi]! - y0;
  const x2 = screenX[bj]! - x0;
  const y2 = screenY[bj]! - y0;
  const det = x1 * y2 - x2 * y1;
  const plane = (a0: number, a1: number, a2: number): [number, number, number] => {
    const da1 = a1 - a0;
    const da2 = a2 - a0;
    const A = (da1 * y2 - da2 * y1) / det;
    const B = (da2 * x1 - da1 * x2) / det;
    return [A, B, a0 - A * x0 - B * y0];
  };
  const [zA, zB, zC] = plane(1 / clipZ[0]!, 1 / clipZ[bi]!, 1 / clipZ[bj]!);
  const [uA, uB, uC] = plane(clipU[0]! / clipZ[0]!, clipU[bi]! / clipZ[bi]!, clipU[bj]! / clipZ[bj]!);
  const [vA, vB, vC] = plane(clipV[0]! / clipZ[0]!, clipV[bi]! / clipZ[bi]!, clipV[bj]! / clipZ[bj]!);

  const { width, height, rgb, invDepth, ids } = canvas;
  const rowFirst = Math.max(0, Math.ceil(minY - 0.5));
  const rowLast = Math.min(height - 1, Math.floor(maxY - 0.5));
  const darken = mode.kind === 'darken' ? mode.factor : 0;
  const shader = face.shader;
  const shade = face.shade;
  const id = face.id;
  let written = 0;
  for (let row = rowFirst; row <= rowLast; row++) {
    const sy = row + 0.5;
    let left = Number.POSITIVE_INFINITY;
    let right = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < m; i++) {
      const j = i + 1 === m ? 0 : i + 1;
      const ya = screenY[i]!;
      const yb = screenY[j]!;
      if ((sy >= ya && sy < yb) || (sy >= yb && sy < ya)) {
        const x = screenX[i]! + ((sy - ya) * (screenX[j]! - screenX[i]!)) / (yb - ya);
        if (x < left) left = x;
        if (x > right) right = x;
      }
    }
    if (left > right) continue;
    const colFirst = Math.max(0, Math.ceil(left - 0.5));
    const colLast = Math.min(width - 1, Math.floor(right - 0.5));
    if (colFirst > colLast) continue;
    let sx = colFirst + 0.5;
    let iz = zA * sx + zB * sy + zC;
    let uz = uA * sx + uB * sy + uC;
    let vz = vA * sx + vB * sy + vC;
    let index = row * width + colFirst;
    for (let col = colFirst; col <= colLast; col++, index++) {
      if (iz > invDepth[index]!) {
        if (darken) {
          const o = index * 3;
          rgb[o] = rgb[o]! * darken;
          rgb[o + 1] = rgb[o + 1]! * darken;
          rgb[o + 2] = rgb[o + 2]! * darken;
        } else {
          const depth = 1 / iz;
          shader(uz * depth, vz * depth, shade, rgb, index * 3);
          invDepth[index] = iz;
          ids[index] = id;
        }
        written++;
      }
      iz += zA;
      uz += uA;
      vz += vA;
      sx += 1;
    }
  }
  return written;
}
