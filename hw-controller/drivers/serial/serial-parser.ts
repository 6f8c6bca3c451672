import { Transform, type TransformCallback } from 'node:stream';
import { maxLineBytes, type ParsedLine, parseLine } from './serial-frame.ts';

/**
 * Bytes from the port → parsed lines (object mode). A line longer than maxLineBytes is noise: it
 * is dropped up to the next newline and reported as a bad line, so garbage cannot grow a buffer.
 */
export class SerialParser extends Transform {
  private buffer = '';
  private overflowing = false;

  constructor() {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let text = this.buffer + chunk.toString('latin1');
    let newline = text.indexOf('\n');
    while (newline >= 0) {
      const line = text.slice(0, newline).replace(/\r$/, '');
      text = text.slice(newline + 1);
      if (this.overflowing) {
        this.overflowing = false;
        this.push({
          ok: false,
          seq: null,
          problem: `line longer than ${maxLineBytes} bytes`,
        } satisfies ParsedLine);
      } else if (line.length > 0) this.push(parseLine(line));
      newline = text.indexOf('\n');
    }
    if (text.length > maxLineBytes) {
      this.overflowing = true;
      text = '';
    }
    this.buffer = text;
    done();
  }
}
