export { type Evidence, makeEvidence } from './evidence.ts';
export { RoomFusion, type RoomObservation } from './room-fusion.ts';
