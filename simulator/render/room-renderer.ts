import sharp from 'sharp';
import {
  createPinholeCamera,
  type PinholeCamera,
  type RoomLayout,
  unitFrame,
  unitPoint,
  type Vec3,
} from '../../calibration/index.ts';
import type { GroundTruthBox, PersonBox, RenderedFrame, SceneState } from '../scene.ts';
import { hashSeed, seededRandom } from '../seeded-random.ts';
import {
  addGlow,
  addLaserDot,
  expose,
  type GlowRegion,
  sensorNoise,
  softenInPlace,
} from './camera-effects.ts';
import { type LocatorMountError, laserHit, type RayTarget, rayTarget } from './laser.ts';
import { type PlacedPackage, personFaces, placePackages } from './package-geometry.ts';
import { drawFace, type Face, FrameCanvas } from './rasterizer.ts';
import { roomFaces, unitTopCm } from './room-geometry.ts';
import { NoiseTile } from './textures.ts';

export interface RoomRendererOptions {
  /** Fixes textures, sensor noise and per-camera colour: the same seed renders the same pixels. */
  seed: number;
  /** JPEG quality of encoded frames, 1–100 (default 82, typical of IP cameras). */
  jpegQuality?: number;
  /**
   * Render every camera at this size instead of its layout resolution (same field of view; the
   * aspect ratio should match). Truth boxes are in the rendered size's pixels.
   */
  size?: { width: number; height: number };
  /** A slight lens blur over the room and packages (default on). */
  lensSoftness?: boolean;
  /** How the locator's real mount differs from the layout's (default: an ideal mount). */
  locatorMountError?: LocatorMountError;
}

export interface RoomRenderer {
  readonly cameraIds: readonly string[];
  /** The pinhole model each camera renders with, at the rendered size. */
  camera(cameraId: string): PinholeCamera;
  /** Renders into a new buffer, or into `into` (width × height × 3 bytes) when given. */
  render(cameraId: string, scene: SceneState, frameIndex: number, into?: Buffer): RenderedFrame;
  encodeJpeg(frame: RenderedFrame): Promise<Buffer>;
  /**
   * Renders and encodes. The frame's `rgb` is reused by the next renderJpeg of the same camera:
   * copy it to keep it.
   */
  renderJpeg(
    cameraId: string,
    scene: SceneState,
    frameIndex: number,
  ): Promise<{ frame: RenderedFrame; jpeg: Buffer }>;
}

export class RenderError extends Error {
  override readonly name = 'RenderError';
}

interface CameraState {
  camera: PinholeCamera;
  whiteBalance: [number, number, number];
  background?: FrameCanvas;
  /** The room with the packages of `key` drawn in. */
  packageLayer?: { key: string; canvas: FrameCanvas; placed: PlacedPackage[] };
  /** Output buffer reused by renderJpeg, and whether an encode is still reading it. */
  spare?: Buffer;
  spareBusy?: boolean;
  /** The package layer with people drawn over it. */
  work?: FrameCanvas;
  /**
   * What the work canvas holds: most frames of a package room show the same packages and people
   * as the frame before, so their drawing, truth boxes and ray targets are reused.
   */
  drawn?: {
    key: string;
    canvas: FrameCanvas;
    boxes: GroundTruthBox[];
    people: PersonBox[];
    targets: RayTarget[];
  };
  glow: Map<string, GlowRegion | undefined>;
}

const personIdBase = 1000;

function convexHullArea(points: Array<[number, number]>): number {
  if (points.length < 3) return 0;
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: [number, number], a: [number, number], b: [number, number]) =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Array<[number, number]> = [];
  for (const p of sorted) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0)
      lower.pop();
    lower.push(p);
  }
  const upper: Array<[number, number]> = [];
  for (const p of sorted.reverse()) {
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0)
      upper.pop();
    upper.push(p);
  }
  const hull = [...lower.slice(0, -1), ...upper.slice(0, -1)];
  let area = 0;
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i]!;
    const b = hull[(i + 1) % hull.length]!;
    area += a[0] * b[1] - b[0] * a[1];
  }
  return Math.abs(area) / 2;
}

/** Pixel extent and count of one object id inside a search rectangle of the id buffer. */
function visibleExtent(
  ids: Uint16Array,
  width: number,
  id: number,
  rect: { x0: number; y0: number; x1: number; y1: number },
) {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = -1;
  let maxY = -1;
  let count = 0;
  for (let y = rect.y0; y <= rect.y1; y++) {
    let index = y * width + rect.x0;
    for (let x = rect.x0; x <= rect.x1; x++, index++) {
      if (ids[index] !== id) continue;
      count++;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  return count === 0
    ? undefined
    : { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1, count };
}

/**
 * Renders the simulated room from each camera of a layout with a small software rasteriser:
 * the static room is drawn once per camera and cached with its depth; each frame copies it, adds
 * packages (with contact shadows) and people, takes truth boxes from the id buffer, then applies
 * the camera: exposure, flicker, sensor noise, strobe glow and the laser dot.
 */
export function createRoomRenderer(layout: RoomLayout, options: RoomRendererOptions): RoomRenderer {
  const quality = options.jpegQuality ?? 82;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100)
    throw new RenderError(`jpegQuality must be an integer from 1 to 100, got ${quality}`);
  const softness = options.lensSoftness ?? true;
  const random = seededRandom(hashSeed(options.seed, 'renderer'));
  const textureNoise = new NoiseTile(hashSeed(options.seed, 'texture'));
  const noise = sensorNoise(hashSeed(options.seed, 'sensor'));
  const staticFaces = roomFaces(layout, textureNoise);
  const staticTargets = staticFaces.map(rayTarget).filter((t): t is RayTarget => t !== undefined);

  const cameras = new Map<string, CameraState>();
  for (const view of layout.cameras) {
    if (!view.pose)
      throw new RenderError(
        `camera ${view.id} has no pose in the layout; the simulator needs one to render it`,
      );
    const size = options.size ?? view.resolution;
    if (
      !Number.isInteger(size.width) ||
      !Number.isInteger(size.height) ||
      size.width < 16 ||
      size.height < 16
    )
      throw new RenderError(
        `render size must be whole pixels, at least 16×16, got ${size.width}×${size.height}`,
      );
    const wb = random.fork(view.id);
    cameras.set(view.id, {
      camera: createPinholeCamera(view.pose, size),
      whiteBalance: [wb.between(0.96, 1.04), wb.between(0.98, 1.02), wb.between(0.95, 1.05)],
      glow: new Map(),
    });
  }

  const stateOf = (cameraId: string): CameraState => {
    const state = cameras.get(cameraId);
    if (!state)
      throw new RenderError(
        `no camera ${cameraId} in this room (cameras: ${[...cameras.keys()].join(', ')})`,
      );
    return state;
  };

  const backgroundOf = (state: CameraState): FrameCanvas => {
    if (!state.background) {
      const canvas = new FrameCanvas(state.camera.width, state.camera.height);
      for (const face of staticFaces) drawFace(canvas, state.camera, face);
      state.background = canvas;
    }
    return state.background;
  };

  /** The screen rectangle of a strobe zone's units, cached per camera. */
  const glowOf = (state: CameraState, zoneId: string): GlowRegion | undefined => {
    if (state.glow.has(zoneId)) return state.glow.get(zoneId);
    const zone = layout.strobeZones.find((z) => z.id === zoneId);
    let region: GlowRegion | undefined;
    if (zone) {
      const xs: number[] = [];
      const ys: number[] = [];
      for (const unit of layout.units.filter((u) => zone.units.includes(u.id))) {
        const frame = unitFrame(unit);
        for (const [a, up] of [
          [0, 0],
          [unit.widthCm, 0],
          [0, unitTopCm(unit)],
          [unit.widthCm, unitTopCm(unit)],
        ] as const) {
          const p = state.camera.project(unitPoint(frame, a, 0, up));
          if (p) {
            xs.push(p.x);
            ys.push(p.y);
          }
        }
      }
      if (xs.length)
        region = {
          left: Math.min(...xs),
          right: Math.max(...xs),
          top: Math.min(...ys),
          bottom: Math.max(...ys),
          fadePx: state.camera.width * 0.06,
        };
    }
    state.glow.set(zoneId, region);
    return region;
  };

  /**
   * Draws a scene's packages and people over the cached room and measures what the camera sees.
   * Packages are a layer of their own: people move every frame while the packages stay put.
   */
  const drawObjects = (state: CameraState, background: FrameCanvas, scene: SceneState) => {
    const { camera } = state;
    const { width, height } = camera;
    const packagesKey = JSON.stringify(scene.packages);
    if (state.packageLayer?.key !== packagesKey) {
      const canvas = state.packageLayer?.canvas ?? new FrameCanvas(width, height);
      canvas.copyFrom(background);
      const placed = placePackages(layout, scene.packages, textureNoise);
      // A shadow darkens whatever lies behind it on screen, so each tier's shadows go down before
      // that tier's packages and after the tier it rests on.
      const tiers = Math.max(0, ...placed.map((p) => p.stackDepth));
      for (let tier = 0; tier <= tiers; tier++) {
        const inTier = placed.filter((p) => p.stackDepth === tier);
        for (const pkg of inTier)
          if (pkg.shadow) drawFace(canvas, camera, pkg.shadow, { kind: 'darken', factor: 0.62 });
        for (const pkg of inTier) for (const face of pkg.faces) drawFace(canvas, camera, face);
      }
      if (softness) softenInPlace(canvas.rgb, width, height);
      state.packageLayer = { key: packagesKey, canvas, placed };
    }
    const { placed } = state.packageLayer;
    const people = scene.people.map((person, i) => ({
      id: person.id,
      objectId: personIdBase + i,
      ...personFaces(person, personIdBase + i, textureNoise),
    }));
    let canvas = state.packageLayer.canvas;
    if (people.length > 0) {
      state.work ??= new FrameCanvas(width, height);
      state.work.copyFrom(canvas);
      canvas = state.work;
      for (const person of people) for (const face of person.faces) drawFace(canvas, camera, face);
    }

    const measure = (points: Vec3[], objectId: number) => {
      const projected: Array<[number, number]> = [];
      for (const point of points) {
        const p = camera.project(point);
        if (p) projected.push([p.x, p.y]);
      }
      if (projected.length === 0) return undefined;
      const xs = projected.map((p) => p[0]);
      const ys = projected.map((p) => p[1]);
      const rect = {
        x0: Math.max(0, Math.floor(Math.min(...xs)) - 1),
        y0: Math.max(0, Math.floor(Math.min(...ys)) - 1),
        x1: Math.min(width - 1, Math.ceil(Math.max(...xs)) + 1),
        y1: Math.min(height - 1, Math.ceil(Math.max(...ys)) + 1),
      };
      if (rect.x0 > rect.x1 || rect.y0 > rect.y1) return undefined;
      const extent = visibleExtent(canvas.ids, width, objectId, rect);
      if (!extent) return undefined;
      const area = convexHullArea(projected);
      return { extent, visibleFraction: area > 0 ? Math.min(1, extent.count / area) : 0 };
    };
    const boxes: GroundTruthBox[] = [];
    for (const pkg of placed) {
      const seen = measure(pkg.points, pkg.objectId);
      if (!seen) continue;
      const { x, y, width: w, height: h } = seen.extent;
      boxes.push({
        packageId: pkg.id,
        x,
        y,
        width: w,
        height: h,
        visibleFraction: round3(seen.visibleFraction),
      });
    }
    const personBoxes: PersonBox[] = [];
    for (const person of people) {
      const seen = measure(person.points, person.objectId);
      if (!seen) continue;
      const { x, y, width: w, height: h } = seen.extent;
      personBoxes.push({ personId: person.id, x, y, width: w, height: h });
    }

    const targets = [...placed.flatMap((p) => p.faces), ...people.flatMap((p) => p.faces)]
      .map((f: Face) => rayTarget(f))
      .filter((t): t is RayTarget => t !== undefined);
    return { canvas, boxes, people: personBoxes, targets };
  };

  const render = (cameraId: string, scene: SceneState, frameIndex: number, into?: Buffer): RenderedFrame => {
    const state = stateOf(cameraId);
    const background = backgroundOf(state);
    const { camera } = state;
    const { width, height } = camera;
    const key = JSON.stringify([scene.packages, scene.people]);
    if (state.drawn?.key !== key) state.drawn = { key, ...drawObjects(state, background, scene) };
    const { canvas, boxes, people: personBoxes, targets: dynamicTargets } = state.drawn;

    if (into && into.length !== width * height * 3)
      throw new RenderError(
        `the output buffer must hold ${width}×${height}×3 bytes, it holds ${into.length}`,
      );
    const rgb = into ?? Buffer.allocUnsafe(width * height * 3);
    const out = new Uint8ClampedArray(rgb.buffer, rgb.byteOffset, rgb.length);
    expose(canvas.rgb, out, scene.lighting, frameIndex, noise, {
      whiteBalance: state.whiteBalance,
      seed: options.seed,
    });
    for (const zoneId of scene.locator.strobesOn) {
      const region = glowOf(state, zoneId);
      if (region) addGlow(out, canvas.rgb, width, height, region);
    }

    let laserDot: { x: number; y: number } | undefined;
    let laserSpotCm: Vec3 | undefined;
    const { laser } = scene.locator;
    if (laser.on && layout.locator) {
      const hit = laserHit(
        layout.locator.mount.positionCm,
        laser.panDeg,
        laser.tiltDeg,
        [...staticTargets, ...dynamicTargets],
        options.locatorMountError,
      );
      laserSpotCm = hit;
      const p = hit && camera.project(hit);
      if (p && p.x >= 0 && p.y >= 0 && p.x < width && p.y < height) {
        const index = Math.floor(p.y) * width + Math.floor(p.x);
        // Seen only if nothing nearer to this camera covers the spot (2 % depth tolerance).
        if (1 / p.depthCm >= canvas.invDepth[index]! * 0.98) {
          laserDot = { x: round3(p.x), y: round3(p.y) };
          addLaserDot(out, width, height, p.x, p.y, width / 1280);
        }
      }
    }

    return {
      cameraId,
      width,
      height,
      rgb,
      boxes,
      people: personBoxes,
      ...(laserDot ? { laserDot } : {}),
      ...(laserSpotCm ? { laserSpotCm } : {}),
    };
  };

  const encodeJpeg = async (frame: RenderedFrame): Promise<Buffer> => {
    const image = sharp(frame.rgb, { raw: { width: frame.width, height: frame.height, channels: 3 } });
    // Huffman optimisation would double the encode time for about 5 % smaller frames.
    return image.jpeg({ quality, chromaSubsampling: '4:2:0', optimiseCoding: false }).toBuffer();
  };

  return {
    cameraIds: [...cameras.keys()],
    camera: (cameraId) => stateOf(cameraId).camera,
    render,
    encodeJpeg,
    async renderJpeg(cameraId, scene, frameIndex) {
      // Streams render and encode a frame per tick; a spare buffer per camera spares the garbage
      // collector 2.7 MB a frame. The returned frame's pixels are only valid until the next call.
      const state = stateOf(cameraId);
      const spare = state.spare && !state.spareBusy ? state.spare : undefined;
      const frame = render(cameraId, scene, frameIndex, spare);
      state.spare = frame.rgb;
      state.spareBusy = true;
      try {
        return { frame, jpeg: await encodeJpeg(frame) };
      } finally {
        state.spareBusy = false;
      }
    },
  };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
