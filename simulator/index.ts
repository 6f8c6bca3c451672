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
