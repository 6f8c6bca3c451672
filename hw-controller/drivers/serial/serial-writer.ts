import { formatFrame, type SerialFrame } from './serial-frame.ts';

/** A frame → the bytes that go on the wire. */
export function encodeFrame(frame: SerialFrame): Buffer {
  return Buffer.from(`${formatFrame(frame)}\n`, 'latin1');
}
