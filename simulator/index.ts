export { type DatasetOptions, type DatasetSummary, exportDataset, randomScene } from './dataset/index.ts';
export * from './labels/index.ts';
export {
  defaultLiveTiming,
  type LiveActionReceipt,
  LiveCommandError,
  LiveScene,
  type LiveTiming,
  type PlaceOptions,
} from './live-scene.ts';
export { type SimulatedLocatorRigOptions, simulatedLocatorRig } from './locator-rig.ts';
export {
  liveScenarioName,
  type OpenRoomOptions,
  openDemoRoom,
  openSimulatedRoom,
} from './open-simulated-room.ts';
export {
  createRoomRenderer,
  defaultLocatorMountError,
  idealLocatorMount,
  type LocatorMountError,
  laserBeam,
  type RoomRenderer,
} from './render/index.ts';
export {
  bundledScenariosDir,
  listBundledScenarios,
  loadScenarioFile,
  parseScenario,
} from './scenarios/load-scenario.ts';
export { kindWeights, randomAppearance } from './scenarios/package-appearance.ts';
export {
  type Scenario,
  type ScenarioEvent,
  type ScenarioInput,
  scenarioSchema,
} from './scenarios/scenario-schema.ts';
export {
  compileScenario,
  ScenarioError,
  type SlotTruth,
  type Timeline,
  truthOf,
} from './scenarios/timeline.ts';
export * from './scene.ts';
export { hashSeed, type SeededRandom, seededRandom } from './seeded-random.ts';
export {
  type LocatorCommand,
  SimulatedRoom,
  type SimulatedRoomOptions,
  SimulatorCommandError,
} from './simulated-room.ts';
export {
  type FrameSourceOptions,
  type SimulatedFrame,
  type SimulatorServer,
  type SimulatorServerOptions,
  simulatedFrames,
  startSimulatorServer,
} from './streams/index.ts';
