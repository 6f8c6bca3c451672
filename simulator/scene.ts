/**
 * What the simulated room looks like at one instant: the input of the renderer and the output of
 * the scenario timeline. Plain data, so a scene can be logged, diffed and used as ground truth.
 */

export const packageKinds = ['box', 'poly-mailer', 'padded-envelope', 'letter', 'tube', 'bag'] as const;
export type PackageKind = (typeof packageKinds)[number];

export interface PackageAppearance {
  kind: PackageKind;
  /** Across the shelf, into the shelf, upwards, as the package rests (cm). */
  sizeCm: { across: number; depth: number; height: number };
  /** Base colour as #rrggbb (cardboard shade, mailer colour…). */
  colour: string;
  /** Packing tape across the top and front (boxes). */
  tape: boolean;
  /** Seeds the label's look (text blocks, barcode bars) so a package keeps its label. */
  labelSeed: number;
}

/** Where a package rests, in the frame of its shelving unit (see calibration/room-model.ts). */
export interface PackagePose {
  unitId: string;
  levelNumber: number;
  /** Centre of the package along the unit, from the unit's left edge (cm). */
  acrossCm: number;
  /** Gap between the board's front edge and the package's front (cm). */
  backCm: number;
  /** Turn about the vertical axis (degrees, counter-clockwise seen from above). */
  yawDeg: number;
  /** Leaning back against the unit's back or a neighbour, tilted by this many degrees. */
  leanDeg: number;
  /** Resting on top of another package instead of the board. */
  stackedOn?: string;
}

export interface ScenePackage {
  id: string;
  appearance: PackageAppearance;
  pose: PackagePose;
}

/** A person in front of the shelves: a courier's or resident's body, and an arm reaching in. */
export interface ScenePerson {
  id: string;
  /** Where the person stands, room coordinates (cm, on the floor). */
  standingAtCm: { x: number; y: number };
  /** The point the hand reaches for (room cm), or undefined when the arms hang down. */
  reachingForCm?: { x: number; y: number; z: number };
  /** Clothing colour #rrggbb. */
  clothing: string;
}

export interface SceneLighting {
  /** 1 = the room's normal light; 0.05 ≈ lights off (only the emergency light and the kiosk glow). */
  brightness: number;
  /** Warmth shift, -1 (cold daylight) … 1 (warm evening); 0 = neutral. */
  warmth: number;
}

export interface SceneLocator {
  laser: { on: boolean; panDeg: number; tiltDeg: number };
  /** Strobe zones flashing now. */
  strobesOn: string[];
}

export interface SceneState {
  timeMs: number;
  packages: ScenePackage[];
  people: ScenePerson[];
  lighting: SceneLighting;
  locator: SceneLocator;
  /** Cameras that deliver no frames at this instant. */
  camerasOffline: string[];
}

/** A package's true box in one frame of one camera (pixels, top-left origin). */
export interface GroundTruthBox {
  packageId: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Share of the package's projected area that is not hidden by shelves, people or packages. */
  visibleFraction: number;
}

export interface PersonBox {
  personId: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface RenderedFrame {
  cameraId: string;
  width: number;
  height: number;
  /** Packed 8-bit RGB, row-major, width × height × 3 bytes. */
  rgb: Buffer;
  boxes: GroundTruthBox[];
  people: PersonBox[];
  /** Where the laser dot shows in this camera, when it is on and visible. */
  laserDot?: { x: number; y: number };
  /** Where the beam meets the room (cm), when the laser is on, whether or not this camera sees it. */
  laserSpotCm?: { x: number; y: number; z: number };
}

export const emptyScene = (timeMs = 0): SceneState => ({
  timeMs,
  packages: [],
  people: [],
  lighting: { brightness: 1, warmth: 0 },
  locator: { laser: { on: false, panDeg: 0, tiltDeg: 0 }, strobesOn: [] },
  camerasOffline: [],
});
