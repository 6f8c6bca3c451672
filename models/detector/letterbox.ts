import sharp, { type Sharp } from 'sharp';

/** Raw interleaved pixels, as the renderer and the camera pipelines hold frames. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

export type ImageInput = Buffer | RawImage;

/** How the model's input maps back to the original image. */
export interface LetterboxTransform {
  scale: number;
  padX: number;
  padY: number;
  sourceWidth: number;
  sourceHeight: number;
}

export class ImageInputError extends Error {
  override readonly name = 'ImageInputError';
}

/** Grey of the padding, as the standard YOLO letterbox uses. */
const padGrey = 114;

/**
 * Fits the image into the model's input (aspect kept, centred, grey borders) and returns it as
 * float32 CHW in [0, 1]. sharp decodes with shrink-on-load where the format allows, so a large
 * JPEG is never decoded at full size.
 */
export async function letterbox(
  input: ImageInput,
  target: { width: number; height: number },
): Promise<{ tensor: Float32Array; transform: LetterboxTransform }> {
  let image: Sharp;
  let width: number;
  let height: number;
  try {
    if (Buffer.isBuffer(input)) {
      image = sharp(input, { failOn: 'error' });
      const meta = await image.metadata();
      if (!meta.width || !meta.height) throw new Error('no dimensions');
      // EXIF orientation: phones and some kiosk cameras write rotated frames.
      const rotated = (meta.orientation ?? 1) >= 5;
      width = rotated ? meta.height : meta.width;
      height = rotated ? meta.width : meta.height;
      image = image.rotate();
    } else {
      if (input.data.length !== input.width * input.height * input.channels)
        throw new Error(`raw pixels do not match ${input.width}×${input.height}×${input.channels}`);
      image = sharp(input.data, {
        raw: { width: input.width, height: input.height, channels: input.channels },
      });
      width = input.width;
      height = input.height;
    }
  } catch (error) {
    throw new ImageInputError(`not an image that can be read: ${(error as Error).message}`);
  }
  const scale = Math.min(target.width / width, target.height / height);
  const resizedWidth = Math.max(1, Math.round(width * scale));
  const resizedHeight = Math.max(1, Math.round(height * scale));
  const padX = Math.floor((target.width - resizedWidth) / 2);
  const padY = Math.floor((target.height - resizedHeight) / 2);
  let pixels: Buffer;
  try {
    pixels = await image
      .removeAlpha()
      .toColourspace('srgb')
      .resize(resizedWidth, resizedHeight, { fit: 'fill', kernel: 'linear' })
      .extend({
        left: padX,
        top: padY,
        right: target.width - resizedWidth - padX,
        bottom: target.height - resizedHeight - padY,
        background: { r: padGrey, g: padGrey, b: padGrey },
      })
      .raw()
      .toBuffer();
  } catch (error) {
    throw new ImageInputError(`not an image that can be read: ${(error as Error).message}`);
  }
  const plane = target.width * target.height;
  const channels = pixels.length / plane;
  const tensor = new Float32Array(plane * 3);
  const k = 1 / 255;
  for (let i = 0, o = 0; i < plane; i++, o += channels) {
    tensor[i] = pixels[o]! * k;
    tensor[plane + i] = pixels[o + (channels >= 3 ? 1 : 0)]! * k;
    tensor[2 * plane + i] = pixels[o + (channels >= 3 ? 2 : 0)]! * k;
  }
  return { tensor, transform: { scale, padX, padY, sourceWidth: width, sourceHeight: height } };
}
