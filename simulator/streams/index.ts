export { type FrameSourceOptions, type SimulatedFrame, simulatedFrames } from './frame-source.ts';
export { type SimulatorServer, type SimulatorServerOptions, startSimulatorServer } from './mjpeg-server.ts';
