import {
  listSlots,
  type RoomLayout,
  type ShelvingUnit,
  scale,
  unitFrame,
  unitPoint,
  type Vec3,
} from '../../calibration/index.ts';
import type { Face, Shader } from './rasterizer.ts';
import { boxCorners, cuboidFaces, faceNormal, shadeFor } from './solids.ts';
import { hash2, matte, type NoiseTile, write } from './textures.ts';

export const boardThicknessCm = 2.5;
const postCm = 3;
/** A shelving unit stands this far above its top level's clearance (its cap board). */
const capCm = 2.5;

/** The unit's top: the cap board above the highest level. */
export function unitTopCm(unit: ShelvingUnit): number {
  return Math.max(...unit.levels.map((l) => l.heightCm + l.clearanceCm)) + capCm;
}

function floorShader(noise: NoiseTile): Shader {
  // Vinyl tiles, 40 cm, each a little different, with darker joints.
  return (u, v, shade, rgb, o) => {
    const tu = Math.floor(u / 40);
    const tv = Math.floor(v / 40);
    const fu = u - tu * 40;
    const fv = v - tv * 40;
    const joint = fu < 0.4 || fv < 0.4 ? 0.72 : 1;
    const tile = ((hash2(tu, tv, 7) & 255) / 255 - 0.5) * 0.08;
    const k =
      shade * joint * (1 + tile + 0.05 * noise.smooth(u * 0.6, v * 0.6) + 0.03 * noise.at(u * 4, v * 4));
    write(rgb, o, 150 * k, 147 * k, 140 * k);
  };
}

function wallShader(noise: NoiseTile, skirtingCm: number): Shader {
  return (u, v, shade, rgb, o) => {
    if (v < skirtingCm) {
      const k = shade * (0.95 + 0.03 * noise.at(u * 3, v * 3));
      write(rgb, o, 96 * k, 92 * k, 88 * k);
      return;
    }
    // Painted plaster: low-frequency blotches and a faint roller texture.
    const k = shade * (1 + 0.035 * noise.smooth(u * 0.08, v * 0.08) + 0.015 * noise.at(u * 2, v * 2));
    write(rgb, o, 214 * k, 209 * k, 198 * k);
  };
}

function backPanelShader(noise: NoiseTile): Shader {
  // Painted hardboard; a regular hole pattern would alias into stripes at camera resolution.
  return (u, v, shade, rgb, o) => {
    const k = shade * (1 + 0.03 * noise.smooth(u * 0.3, v * 0.3) + 0.02 * noise.at(u * 3, v * 3));
    write(rgb, o, 176 * k, 178 * k, 176 * k);
  };
}

function boardTopShader(noise: NoiseTile, depthCm: number): Shader {
  // Light wood laminate, grain along the board; darker towards the back, under the next board.
  return (u, v, shade, rgb, o) => {
    const grain = Math.sin(u * 0.9 + 6 * noise.smooth(u * 0.05, v * 0.6)) * 0.04;
    const occlusion = 1 - 0.28 * Math.min(1, Math.max(0, v / depthCm));
    const k = shade * occlusion * (1 + grain + 0.02 * noise.at(u * 3, v * 3));
    write(rgb, o, 200 * k, 174 * k, 134 * k);
  };
}

/**
 * The board's front lip, with a small white slot label (dark "text" dashes) centred under each
 * slot, as real package rooms number their shelves.
 */
function boardEdgeShader(noise: NoiseTile, slotCentresCm: number[], seed: number): Shader {
  const labelHalfCm = 3.2;
  return (u, v, shade, rgb, o) => {
    for (const centre of slotCentresCm) {
      const du = u - centre + labelHalfCm;
      if (du >= 0 && du <= labelHalfCm * 2 && v > 0.35 && v < boardThicknessCm - 0.35) {
        const text =
          v > 0.8 && v < 1.7 && du > 0.7 && du < 5.7 && hash2(Math.floor(du * 2.2), centre, seed) % 3 !== 0;
        const k = shade * (text ? 0.25 : 1);
        write(rgb, o, 245 * k, 245 * k, 240 * k);
        return;
      }
    }
    const k = shade * (1 + 0.04 * noise.at(u * 3, v * 3));
    write(rgb, o, 58 * k, 60 * k, 64 * k);
  };
}

function flatFace(vertices: Vec3[], uv: Array<[number, number]>, shader: Shader, ambient = 0.55): Face {
  return { vertices, uv, shader, shade: shadeFor(faceNormal(vertices), ambient), id: 0, cull: false };
}

/** A vertical or horizontal rectangle with uv in cm along its two edges. */
function rectangle(origin: Vec3, e1: Vec3, e2: Vec3, shader: Shader, ambient?: number): Face {
  const l1 = Math.hypot(e1.x, e1.y, e1.z);
  const l2 = Math.hypot(e2.x, e2.y, e2.z);
  const p1 = { x: origin.x + e1.x, y: origin.y + e1.y, z: origin.z + e1.z };
  const p3 = { x: origin.x + e2.x, y: origin.y + e2.y, z: origin.z + e2.z };
  const p2 = { x: p1.x + e2.x, y: p1.y + e2.y, z: p1.z + e2.z };
  return flatFace(
    [origin, p1, p2, p3],
    [
      [0, 0],
      [l1, 0],
      [l1, l2],
      [0, l2],
    ],
    shader,
    ambient,
  );
}

function unitFaces(unit: ShelvingUnit, noise: NoiseTile, slotCentres: Map<string, number[]>): Face[] {
  const frame = unitFrame(unit);
  const at = (across: number, back: number, up: number) => unitPoint(frame, across, back, up);
  const acrossV = (cm: number) => scale(frame.across, cm);
  const backV = (cm: number) => scale(frame.back, cm);
  const upV = (cm: number): Vec3 => ({ x: 0, y: 0, z: cm });
  const top = unitTopCm(unit);
  const faces: Face[] = [];
  const metal = matte(noise, [72, 74, 78], 0.05);
  const plain = matte(noise, [150, 130, 100], 0.04);

  // The panel stands just inside the unit's depth: units are set against the wall, and a panel
  // in the wall's plane would fight it for depth.
  faces.push(
    rectangle(at(0, unit.depthCm - 0.5, 0), acrossV(unit.widthCm), upV(top), backPanelShader(noise), 0.5),
  );
  const boards = [
    ...unit.levels.map((level, i) => ({ height: level.heightCm, levelNumber: i + 1 })),
    { height: top, levelNumber: 0 },
  ];
  for (const board of boards) {
    const corners = boxCorners(
      at(0, 0, board.height - boardThicknessCm),
      acrossV(unit.widthCm),
      backV(unit.depthCm),
      upV(boardThicknessCm),
    );
    const centres = board.levelNumber ? (slotCentres.get(`${unit.id}${board.levelNumber}`) ?? []) : [];
    faces.push(
      ...cuboidFaces(
        corners,
        {
          default: plain,
          top: boardTopShader(noise, unit.depthCm),
          front: boardEdgeShader(noise, centres, board.height),
        },
        0,
        { cull: true, skip: ['back'] },
      ),
    );
  }
  for (const across of [0, unit.widthCm - postCm])
    for (const back of [0, unit.depthCm - postCm]) {
      const corners = boxCorners(at(across, back, 0), acrossV(postCm), backV(postCm), upV(top + 1));
      faces.push(...cuboidFaces(corners, { default: metal }, 0, { skip: ['bottom'] }));
    }
  return faces;
}

/** Everything that never moves: floor, walls, ceiling and the shelving units. */
export function roomFaces(layout: RoomLayout, noise: NoiseTile): Face[] {
  const { x: X, y: Y, z: Z } = layout.room.sizeCm;
  const wall = wallShader(noise, 10);
  const faces: Face[] = [
    rectangle({ x: 0, y: 0, z: 0 }, { x: X, y: 0, z: 0 }, { x: 0, y: Y, z: 0 }, floorShader(noise), 0.6),
    rectangle({ x: 0, y: Y, z: 0 }, { x: X, y: 0, z: 0 }, { x: 0, y: 0, z: Z }, wall),
    rectangle({ x: 0, y: 0, z: 0 }, { x: 0, y: Y, z: 0 }, { x: 0, y: 0, z: Z }, wall),
    rectangle({ x: X, y: Y, z: 0 }, { x: 0, y: -Y, z: 0 }, { x: 0, y: 0, z: Z }, wall),
    rectangle({ x: X, y: 0, z: 0 }, { x: -X, y: 0, z: 0 }, { x: 0, y: 0, z: Z }, wall),
    rectangle(
      { x: 0, y: 0, z: Z },
      { x: X, y: 0, z: 0 },
      { x: 0, y: Y, z: 0 },
      matte(noise, [228, 226, 220], 0.01),
      0.8,
    ),
  ];
  const slotCentres = new Map<string, number[]>();
  for (const slot of listSlots(layout)) {
    const key = `${slot.unitId}${slot.levelNumber}`;
    slotCentres.set(key, [...(slotCentres.get(key) ?? []), slot.offsetCm + slot.widthCm / 2]);
  }
  for (const unit of layout.units) faces.push(...unitFaces(unit, noise, slotCentres));
  return faces;
}
