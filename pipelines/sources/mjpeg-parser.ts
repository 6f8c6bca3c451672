/**
 * Splits a `multipart/x-mixed-replace` MJPEG byte stream into JPEG frames, chunk by chunk, as
 * they arrive. Parts carry their own headers; with a Content-Length the body is cut exactly,
 * without one the parser looks for the next boundary (some cameras omit it). A part that is not a
 * JPEG, or a stream that stops making sense, is counted and skipped, never thrown: a camera that
 * sends garbage must not take the pipeline down.
 */
export class MjpegParser {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly delimiter: Buffer;
  /** Frames that were not JPEGs or could not be delimited. */
  corrupt = 0;

  constructor(
    boundary: string | undefined,
    private readonly maxPartBytes = 8 * 1024 * 1024,
  ) {
    // Some servers quote the boundary or repeat its leading dashes in the header; normalise.
    const clean = (boundary ?? '').replace(/^"|"$/g, '').replace(/^--/, '');
    this.delimiter = Buffer.from(`--${clean}`);
  }

  /** Feeds bytes; returns the complete JPEG frames they finished. */
  push(chunk: Uint8Array): Buffer[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : Buffer.from(chunk);
    const frames: Buffer[] = [];
    for (;;) {
      const start = this.buffer.indexOf(this.delimiter);
      if (start < 0) {
        this.dropIfOversized();
        return frames;
      }
      const headerEnd = this.buffer.indexOf('\r\n\r\n', start);
      if (headerEnd < 0) {
        this.dropIfOversized();
        return frames;
      }
      const headers = this.buffer.subarray(start + this.delimiter.length, headerEnd).toString('latin1');
      const bodyStart = headerEnd + 4;
      const length = /content-length:\s*(\d+)/i.exec(headers);
      let body: Buffer;
      let next: number;
      if (length) {
        const size = Number(length[1]);
        if (size > this.maxPartBytes) {
          this.corrupt++;
          this.buffer = this.buffer.subarray(bodyStart);
          continue;
        }
        if (this.buffer.length < bodyStart + size) return frames;
        body = this.buffer.subarray(bodyStart, bodyStart + size);
        next = bodyStart + size;
      } else {
        const end = this.buffer.indexOf(this.delimiter, bodyStart);
        if (end < 0) {
          this.dropIfOversized();
          return frames;
        }
        // The CRLF before the next delimiter belongs to the framing, not the image.
        next = end;
        body = this.buffer.subarray(bodyStart, end >= 2 && this.buffer[end - 2] === 13 ? end - 2 : end);
      }
      if (body.length >= 4 && body[0] === 0xff && body[1] === 0xd8) frames.push(Buffer.from(body));
      else this.corrupt++;
      this.buffer = this.buffer.subarray(next);
    }
  }

  private dropIfOversized(): void {
    if (this.buffer.length > this.maxPartBytes + 64 * 1024) {
      this.corrupt++;
      // Keep the tail: the next delimiter may have started in it.
      this.buffer = Buffer.from(this.buffer.subarray(this.buffer.length - this.delimiter.length));
    }
  }
}

/** The boundary of a `multipart/x-mixed-replace; boundary=…` content type. */
export function boundaryOf(contentType: string | null): string | undefined {
  const match = /boundary=("?)([^";]+)\1/i.exec(contentType ?? '');
  return match?.[2];
}

/**
 * Splits a plain concatenation of JPEGs (ffmpeg's `-f image2pipe`, or a raw MJPEG file) at
 * start-of-image / end-of-image markers.
 */
export class JpegConcatParser {
  private buffer: Buffer = Buffer.alloc(0);
  corrupt = 0;

  constructor(private readonly maxFrameBytes = 8 * 1024 * 1024) {}

  push(chunk: Uint8Array): Buffer[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : Buffer.from(chunk);
    const frames: Buffer[] = [];
    for (;;) {
      const start = this.buffer.indexOf(soi);
      if (start < 0) {
        this.buffer = this.buffer.subarray(Math.max(0, this.buffer.length - 1));
        return frames;
      }
      // Entropy-coded data never contains FF D9 (FF is stuffed), so the first EOI ends the image.
      const end = this.buffer.indexOf(eoi, start + 2);
      if (end < 0) {
        if (this.buffer.length - start > this.maxFrameBytes) {
          this.corrupt++;
          this.buffer = this.buffer.subarray(start + 2);
          continue;
        }
        this.buffer = this.buffer.subarray(start);
        return frames;
      }
      frames.push(Buffer.from(this.buffer.subarray(start, end + 2)));
      this.buffer = this.buffer.subarray(end + 2);
    }
  }
}

const soi = Buffer.from([0xff, 0xd8, 0xff]);
const eoi = Buffer.from([0xff, 0xd9]);
