/** The OCR reads 1–2 megapixel photos well; larger ones only cost upload and decode time. */
const maxSidePx = 2000;

/** The camera facing the courier, started on demand; undefined when the kiosk has none or may not use it. */
export async function startCamera(video: HTMLVideoElement): Promise<MediaStream | undefined> {
  if (!navigator.mediaDevices?.getUserMedia) return undefined;
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 1920 }, height: { ideal: 1080 }, facingMode: 'environment' },
      audio: false,
    });
    video.srcObject = stream;
    await video.play().catch(() => undefined);
    return stream;
  } catch {
    return undefined;
  }
}

export function stopCamera(stream: MediaStream | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/** The current video frame as JPEG base64 (no data: prefix). */
export async function captureFrame(video: HTMLVideoElement): Promise<string> {
  if (!video.videoWidth) throw new Error('The camera has no picture yet. Try again in a moment.');
  return encode(video, video.videoWidth, video.videoHeight);
}

/** A chosen photo file as JPEG base64: JPEGs of a sensible size go as they are, others are redrawn. */
export async function fileToJpegBase64(file: File): Promise<string> {
  const bitmap = await createImageBitmap(file).catch(() => {
    throw new Error('That file is not a picture the kiosk can read.');
  });
  try {
    if (
      file.type === 'image/jpeg' &&
      Math.max(bitmap.width, bitmap.height) <= maxSidePx &&
      file.size < 3_500_000
    )
      return toBase64(new Uint8Array(await file.arrayBuffer()));
    return await encode(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

async function encode(source: CanvasImageSource, width: number, height: number): Promise<string> {
  const scale = Math.min(1, maxSidePx / Math.max(width, height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  canvas.getContext('2d')!.drawImage(source, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
  if (!blob) throw new Error('The photo could not be encoded. Try again.');
  return toBase64(new Uint8Array(await blob.arrayBuffer()));
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk)
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}
