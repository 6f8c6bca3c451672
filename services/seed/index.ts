export { type DemoResident, demoCouriers, demoResidents } from './demo-people.ts';
export {
  type FirstStartSecrets,
  formatFirstStartSecrets,
  type SeedOutcome,
  seedDemoData,
} from './seed-demo.ts';
