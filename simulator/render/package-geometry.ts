import {
  type RoomLayout,
  type ShelvingUnit,
  unitFrame,
  unitPoint,
  type Vec3,
} from '../../calibration/index.ts';
import type { PackageAppearance, PackagePose, ScenePackage } from '../scene.ts';
import type { Face, Shader } from './rasterizer.ts';
import { beamCorners, type CuboidShaders, cuboidFaces, faceNormal, shadeFor } from './solids.ts';
import { hash2, type NoiseTile, parseColour, type Rgb, write } from './textures.ts';

/** A package turned into faces, with what the renderer needs for truth and shadows. */
export interface PlacedPackage {
  id: string;
  /** Object id in the id buffer. */
  objectId: number;
  faces: Face[];
  /** Every corner of the solid (its projection's hull is the package's full image area). */
  points: Vec3[];
  /** Contact shadow on the surface it rests on. */
  shadow: Face | undefined;
  /** Height of the package's top above the floor (cm), for packages stacked on it. */
  topCm: number;
  /** 0 on a board, 1 on a package, 2 on a package on a package… (drawing order). */
  stackDepth: number;
}

export class SceneGeometryError extends Error {
  override readonly name = 'SceneGeometryError';
}

interface LabelSpot {
  side: 'front' | 'top';
  /** Lower-left corner and size on the face (cm). */
  u: number;
  v: number;
  width: number;
  height: number;
}

/**
 * A shipping label: barcode in the lower part, a few lines of dark "text" above. Bars and words
 * come from the label's seed, so each package keeps its own label from frame to frame.
 */
function withLabel(base: Shader, spot: LabelSpot, seed: number): Shader {
  const { u: u0, v: v0, width, height } = spot;
  return (u, v, shade, rgb, o) => {
    const lx = (u - u0) / width;
    const ly = (v - v0) / height;
    if (lx < 0 || lx > 1 || ly < 0 || ly > 1) {
      base(u, v, shade, rgb, o);
      return;
    }
    let ink = false;
    if (ly > 0.08 && ly < 0.42 && lx > 0.08 && lx < 0.92) ink = (hash2(Math.floor(lx * 70), 1, seed) & 3) < 2;
    else if (lx > 0.08 && ly > 0.5 && ly < 0.92) {
      const row = Math.floor((ly - 0.5) / 0.14);
      const inRow = (ly - 0.5) / 0.14 - row < 0.55;
      const length = 0.45 + (hash2(row, 2, seed) % 40) / 100;
      ink = inRow && lx < length && hash2(Math.floor(lx * 16), row, seed) % 5 !== 0;
    }
    const k = shade * (ink ? 0.16 : 1.02);
    write(rgb, o, 246 * k, 245 * k, 240 * k);
  };
}

function cardboard(noise: NoiseTile, colour: Rgb): Shader {
  const [r, g, b] = colour;
  return (u, v, shade, rgb, o) => {
    const k = shade * (1 + 0.07 * noise.at(u * 3, v * 3) + 0.025 * Math.sin(v * 4));
    write(rgb, o, r * k, g * k, b * k);
  };
}

/** Packing tape down the middle of a face: along v when `alongV`, across otherwise. */
function withTape(base: Shader, colour: Rgb, centre: number, alongV: boolean, from = -1e9): Shader {
  const [r, g, b] = colour;
  return (u, v, shade, rgb, o) => {
    const across = alongV ? u : v;
    const along = alongV ? v : u;
    if (Math.abs(across - centre) < 2.4 && along >= from) {
      const gloss = Math.abs(across - centre) < 0.6 ? 1.18 : 1.08;
      const k = shade * gloss;
      write(rgb, o, r * k + 10, g * k + 8, b * k + 2);
    } else base(u, v, shade, rgb, o);
  };
}

function plastic(noise: NoiseTile, colour: Rgb, wrinkles: number): Shader {
  const [r, g, b] = colour;
  return (u, v, shade, rgb, o) => {
    const fold = wrinkles * noise.at(u * 0.7, v * 0.7) + 0.02 * noise.at(u * 4, v * 4);
    const k = shade * (1 + fold);
    // A faint sheen: plastic reflects the ceiling light.
    const sheen = shade > 0.9 ? 14 : 4;
    write(rgb, o, r * k + sheen, g * k + sheen, b * k + sheen);
  };
}

function bubbles(noise: NoiseTile, colour: Rgb): Shader {
  const [r, g, b] = colour;
  return (u, v, shade, rgb, o) => {
    const k = shade * (1 + 0.05 * Math.sin(u * 2.6) * Math.sin(v * 2.6) + 0.03 * noise.at(u * 3, v * 3));
    write(rgb, o, r * k, g * k, b * k);
  };
}

function letterFront(noise: NoiseTile, colour: Rgb, width: number, height: number, seed: number): Shader {
  const [r, g, b] = colour;
  const stamp = parseColour(['#c0392b', '#2e86c1', '#27ae60', '#8e44ad'][seed % 4]!);
  return (u, v, shade, rgb, o) => {
    // Stamp in the top-right corner, address block in the middle.
    if (u > width - 3.6 && u < width - 0.8 && v > height - 3.8 && v < height - 0.8) {
      write(rgb, o, stamp[0] * shade, stamp[1] * shade, stamp[2] * shade);
      return;
    }
    const lx = (u - width * 0.35) / (width * 0.5);
    const ly = (v - height * 0.25) / (height * 0.35);
    if (lx >= 0 && lx <= 1 && ly >= 0 && ly <= 1) {
      const row = Math.floor(ly * 4);
      if (ly * 4 - row < 0.45 && hash2(Math.floor(lx * 12), row, seed) % 4 !== 0) {
        const k = shade * 0.25;
        write(rgb, o, r * k, g * k, b * k);
        return;
      }
    }
    const k = shade * (1 + 0.015 * noise.at(u * 3, v * 3));
    write(rgb, o, r * k, g * k, b * k);
  };
}

/** Local solid corners: across centred on 0, depth from 0 (front) back, height from 0 up. */
function boxLocal(a: number, d: number, h: number, z0 = 0): Array<[number, number, number]> {
  const corners: Array<[number, number, number]> = [];
  for (let i = 0; i < 8; i++) corners.push([i & 1 ? a / 2 : -a / 2, i & 2 ? d : 0, (i & 4 ? h : 0) + z0]);
  return corners;
}

function labelSpot(appearance: PackageAppearance): LabelSpot | undefined {
  const { across, depth, height } = appearance.sizeCm;
  const onTop =
    appearance.kind === 'poly-mailer' || (appearance.kind === 'box' && appearance.labelSeed % 3 === 0);
  const faceW = across;
  const faceH = onTop ? depth : height;
  if (appearance.kind === 'letter' || appearance.kind === 'tube') return undefined;
  const width = Math.min(10.2, faceW * 0.62);
  const height2 = Math.min(7.6, faceH * 0.55);
  if (width < 3 || height2 < 2) return undefined;
  // Off-centre like a courier's sticker, away from the tape line.
  const u = appearance.labelSeed % 2 ? faceW - width - faceW * 0.06 : faceW * 0.06;
  const v = onTop ? (faceH - height2) / 2 : Math.max(0.8, faceH * 0.18);
  return { side: onTop ? 'top' : 'front', u, v, width, height: height2 };
}

function shadersFor(noise: NoiseTile, appearance: PackageAppearance): CuboidShaders {
  const colour = parseColour(appearance.colour);
  const { across, height } = appearance.sizeCm;
  const spot = labelSpot(appearance);
  let shaders: CuboidShaders;
  switch (appearance.kind) {
    case 'box': {
      const base = cardboard(noise, colour);
      const tape: Rgb = [colour[0] * 0.85 + 30, colour[1] * 0.8 + 24, colour[2] * 0.7 + 10];
      shaders = appearance.tape
        ? {
            default: base,
            top: withTape(base, tape, across / 2, true),
            front: withTape(base, tape, across / 2, true, height - 6),
            back: withTape(base, tape, across / 2, true, height - 6),
          }
        : { default: base };
      break;
    }
    case 'poly-mailer':
      shaders = { default: plastic(noise, colour, 0.05) };
      break;
    case 'padded-envelope':
      shaders = { default: bubbles(noise, colour) };
      break;
    case 'letter':
      shaders = {
        default: bubbles(noise, colour),
        front: letterFront(noise, colour, across, height, appearance.labelSeed),
      };
      break;
    case 'bag':
      shaders = { default: plastic(noise, colour, 0.11) };
      break;
    case 'tube':
      shaders = { default: cardboard(noise, colour) };
      break;
  }
  if (spot) {
    const side = spot.side;
    shaders[side] = withLabel(shaders[side] ?? shaders.default, spot, appearance.labelSeed);
  }
  return shaders;
}

/** Octagonal prism lying along the across axis (a tube). */
function tubeLocal(appearance: PackageAppearance): {
  sides: Array<Array<[number, number, number]>>;
  caps: Array<Array<[number, number, number]>>;
} {
  const { across, depth, height } = appearance.sizeCm;
  const radius = Math.min(depth, height) / 2;
  const ring = Array.from({ length: 8 }, (_, k) => {
    const angle = (Math.PI / 8) * (2 * k + 1);
    return [radius + radius * Math.cos(angle), radius + radius * Math.sin(angle)] as const;
  });
  const sides = ring.map((p, k) => {
    const q = ring[(k + 1) % 8]!;
    // The ring runs counter-clockwise seen from +across; this winding makes the normal outward.
    return [
      [-across / 2, p[0], p[1]],
      [-across / 2, q[0], q[1]],
      [across / 2, q[0], q[1]],
      [across / 2, p[0], p[1]],
    ] as Array<[number, number, number]>;
  });
  const left = [...ring].reverse().map(([b, h]) => [-across / 2, b, h] as [number, number, number]);
  const right = ring.map(([b, h]) => [across / 2, b, h] as [number, number, number]);
  return { sides, caps: [left, right] };
}

/** How a local point (across, depth, up) ends up in the unit's frame after lean and yaw. */
function poseTransform(pose: PackagePose, depthCm: number) {
  const lean = (pose.leanDeg * Math.PI) / 180;
  const yaw = (pose.yawDeg * Math.PI) / 180;
  const cl = Math.cos(lean);
  const sl = Math.sin(lean);
  const cy = Math.cos(yaw);
  const sy = Math.sin(yaw);
  return ([a, b, h]: readonly [number, number, number]): [number, number, number] => {
    // Lean tips the top towards the back of the shelf.
    const b1 = b * cl + h * sl;
    const h1 = -b * sl + h * cl;
    const bc = b1 - depthCm / 2;
    return [a * cy - bc * sy, a * sy + bc * cy + depthCm / 2, h1];
  };
}

/** A person's body parts, clothing and skin; id 1000 + index in the scene. */
export function personFaces(
  person: { standingAtCm: { x: number; y: number }; reachingForCm?: Vec3; clothing: string },
  objectId: number,
  noise: NoiseTile,
): { faces: Face[]; points: Vec3[] } {
  const clothing = parseColour(person.clothing);
  const shirt: Shader = (u, v, shade, rgb, o) => {
    const k = shade * (1 + 0.08 * noise.at(u * 0.8, v * 0.8));
    write(rgb, o, clothing[0] * k, clothing[1] * k, clothing[2] * k);
  };
  const trousers: Shader = (_u, v, shade, rgb, o) => {
    const k = shade * (1 + 0.05 * Math.sin(v * 0.5));
    write(rgb, o, 52 * k, 56 * k, 72 * k);
  };
  const skin: Shader = (_u, _v, shade, rgb, o) => write(rgb, o, 198 * shade, 150 * shade, 122 * shade);
  const hair: Shader = (u, v, shade, rgb, o) => {
    const k = shade * (1 + 0.1 * noise.at(u * 4, v * 4));
    write(rgb, o, 48 * k, 36 * k, 30 * k);
  };
  const { x, y } = person.standingAtCm;
  const reach = person.reachingForCm;
  // Facing the point the hand reaches for, or the shelves (+y) when there is none or it is overhead.
  let dx = 0;
  let dy = 1;
  if (reach && Math.hypot(reach.x - x, reach.y - y) > 1) {
    const n = Math.hypot(reach.x - x, reach.y - y);
    dx = (reach.x - x) / n;
    dy = (reach.y - y) / n;
  }
  const side = { x: dy, y: -dx, z: 0 };
  const facing = { x: dx, y: dy, z: 0 };
  const at = (s: number, f: number, z: number): Vec3 => ({
    x: x + side.x * s + facing.x * f,
    y: y + side.y * s + facing.y * f,
    z,
  });
  const box = (s0: number, f0: number, z0: number, w: number, d: number, h: number) => {
    const corners: Vec3[] = [];
    for (let i = 0; i < 8; i++)
      corners.push(at(s0 + (i & 1 ? w : 0), f0 + (i & 2 ? d : 0), z0 + (i & 4 ? h : 0)));
    return corners;
  };
  const parts: Array<{ corners: Vec3[]; shader: Shader; top?: Shader }> = [
    { corners: box(-20, -8, 0, 15, 16, 86), shader: trousers },
    { corners: box(5, -8, 0, 15, 16, 86), shader: trousers },
    { corners: box(-22, -12, 86, 44, 24, 62), shader: shirt },
    { corners: box(-9, -10, 152, 18, 20, 22), shader: skin, top: hair },
  ];
  const faces: Face[] = [];
  const points: Vec3[] = [];
  for (const part of parts) {
    faces.push(
      ...cuboidFaces(
        part.corners,
        { default: part.shader, ...(part.top ? { top: part.top } : {}) },
        objectId,
      ),
    );
    points.push(...part.corners);
  }
  const shoulders = [at(-26, 0, 142), at(26, 0, 142)];
  const reachingSide = reach
    ? Math.hypot(reach.x - shoulders[0]!.x, reach.y - shoulders[0]!.y) <
      Math.hypot(reach.x - shoulders[1]!.x, reach.y - shoulders[1]!.y)
      ? 0
      : 1
    : -1;
  shoulders.forEach((shoulder, i) => {
    const hand = i === reachingSide && reach ? reach : at(i === 0 ? -28 : 28, 4, 80);
    const length = Math.hypot(hand.x - shoulder.x, hand.y - shoulder.y, hand.z - shoulder.z);
    const wrist = {
      x: shoulder.x + ((hand.x - shoulder.x) * Math.max(0, length - 9)) / length,
      y: shoulder.y + ((hand.y - shoulder.y) * Math.max(0, length - 9)) / length,
      z: shoulder.z + ((hand.z - shoulder.z) * Math.max(0, length - 9)) / length,
    };
    for (const [from, to, shader, width] of [
      [shoulder, wrist, shirt, 10],
      [wrist, hand, skin, 8],
    ] as const) {
      // A hand held right at the shoulder leaves no sleeve to draw.
      if (Math.hypot(to.x - from.x, to.y - from.y, to.z - from.z) < 0.5) continue;
      const corners = beamCorners(from, to, width, width);
      faces.push(...cuboidFaces(corners, { default: shader }, objectId));
      points.push(...corners);
    }
  });
  return { faces, points };
}

/**
 * Turns every package of a scene into faces, resolving stacks (a package's support is the top of
 * the one it rests on). Throws for a pose naming a unit, level or support the room lacks.
 */
export function placePackages(
  layout: RoomLayout,
  packages: readonly ScenePackage[],
  noise: NoiseTile,
): PlacedPackage[] {
  const units = new Map(layout.units.map((u) => [u.id, u]));
  const byId = new Map(packages.map((p) => [p.id, p]));
  const placed = new Map<string, PlacedPackage>();
  const placing = new Set<string>();

  const place = (pkg: ScenePackage, objectId: number): PlacedPackage => {
    const done = placed.get(pkg.id);
    if (done) return done;
    if (placing.has(pkg.id)) throw new SceneGeometryError(`package ${pkg.id} is stacked on itself`);
    placing.add(pkg.id);
    const { pose, appearance } = pkg;
    const unit: ShelvingUnit | undefined = units.get(pose.unitId);
    if (!unit)
      throw new SceneGeometryError(`package ${pkg.id} is on unit ${pose.unitId}, which the room lacks`);
    const level = unit.levels[pose.levelNumber - 1];
    if (!level)
      throw new SceneGeometryError(
        `package ${pkg.id} is on level ${pose.levelNumber} of unit ${unit.id}, which it lacks`,
      );
    let supportCm = level.heightCm;
    let stackDepth = 0;
    if (pose.stackedOn) {
      const below = byId.get(pose.stackedOn);
      if (!below)
        throw new SceneGeometryError(
          `package ${pkg.id} rests on ${pose.stackedOn}, which is not in the room`,
        );
      const support = place(below, packages.indexOf(below) + 1);
      supportCm = support.topCm;
      stackDepth = support.stackDepth + 1;
    }
    const frame = unitFrame(unit);
    const transform = poseTransform(pose, appearance.sizeCm.depth);
    const shaders = shadersFor(noise, appearance);
    const toRoom = (local: Array<[number, number, number]>, lift: number) =>
      local.map((p) => {
        const [a, b, h] = transform(p);
        return unitPoint(frame, pose.acrossCm + a, pose.backCm + b, supportCm + h + lift);
      });
    const lowest = (local: Array<[number, number, number]>) => Math.min(...local.map((p) => transform(p)[2]));

    const faces: Face[] = [];
    const points: Vec3[] = [];
    const { across, depth, height } = appearance.sizeCm;
    if (appearance.kind === 'tube') {
      const tube = tubeLocal(appearance);
      const lift = -lowest(tube.sides.flat());
      const capShader: Shader = (_u, _v, shade, rgb, o) =>
        write(rgb, o, 232 * shade, 232 * shade, 226 * shade);
      for (const [i, local] of [...tube.sides, ...tube.caps].entries()) {
        const vertices = toRoom(local, lift);
        faces.push({
          vertices,
          uv: local.map(([a, b, h]) => (i < 8 ? [a + across / 2, b + h] : [b, h]) as [number, number]),
          shader: i < 8 ? shaders.default : capShader,
          shade: shadeFor(faceNormal(vertices)),
          id: objectId,
          cull: true,
        });
        points.push(...vertices);
      }
    } else if (appearance.kind === 'bag') {
      // A tied bag: the body, and the knot on top.
      const body = boxLocal(across, depth, height * 0.84);
      const knot = boxLocal(
        Math.min(6, across / 3),
        Math.min(5, depth / 3),
        height * 0.16,
        height * 0.84,
      ).map(([a, b, h]) => [a, b + depth / 2 - Math.min(5, depth / 3) / 2, h] as [number, number, number]);
      const lift = -lowest(body);
      for (const local of [body, knot]) {
        const corners = toRoom(local, lift);
        faces.push(...cuboidFaces(corners, shaders, objectId, { skip: ['bottom'] }));
        points.push(...corners);
      }
    } else {
      const local = boxLocal(across, depth, height);
      const corners = toRoom(local, -lowest(local));
      faces.push(...cuboidFaces(corners, shaders, objectId, { skip: ['bottom'] }));
      points.push(...corners);
    }
    const topCm = Math.max(...points.map((p) => p.z));

    // Contact shadow: the footprint, a little larger, just above the support, kept on the board.
    const pad = 1.5;
    const footprint = (
      [
        [-across / 2 - pad, -pad],
        [across / 2 + pad, -pad],
        [across / 2 + pad, depth + pad],
        [-across / 2 - pad, depth + pad],
      ] as const
    ).map(([a, b]) => {
      const [ta, tb] = transform([a, b, 0]);
      const back = Math.min(unit.depthCm, Math.max(0, pose.backCm + tb));
      return unitPoint(frame, pose.acrossCm + ta, back, supportCm + 0.15);
    });
    const shadow: Face = {
      vertices: footprint,
      uv: footprint.map(() => [0, 0] as [number, number]),
      shader: () => {},
      shade: 1,
      id: 0,
      cull: false,
    };
    const result = { id: pkg.id, objectId, faces, points, shadow, topCm, stackDepth };
    placed.set(pkg.id, result);
    placing.delete(pkg.id);
    return result;
  };

  return packages.map((pkg, i) => place(pkg, i + 1));
}
