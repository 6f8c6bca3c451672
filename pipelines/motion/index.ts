export {
  defaultMotionGateOptions,
  type MotionEvent,
  MotionGate,
  type MotionGateOptions,
  type MotionRegion,
} from './motion-gate.ts';
