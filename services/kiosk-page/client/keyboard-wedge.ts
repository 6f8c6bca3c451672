/**
 * Badge readers and QR scanners on a kiosk are "keyboard wedges": they type what they read,
 * faster than any person, and press Enter. A run of at least `minLength` keys, each within
 * `maxGapMs` of the one before and ended by Enter, is a scan wherever the focus is.
 */
export function listenForScans(
  onScan: (text: string) => void,
  options: { maxGapMs?: number; minLength?: number } = {},
): () => void {
  const maxGapMs = options.maxGapMs ?? 60;
  const minLength = options.minLength ?? 4;
  let buffer = '';
  let lastAt = 0;
  const onKey = (event: KeyboardEvent) => {
    const now = performance.now();
    if (now - lastAt > maxGapMs) buffer = '';
    lastAt = now;
    if (event.key === 'Enter') {
      if (buffer.length >= minLength) {
        event.preventDefault();
        event.stopImmediatePropagation();
        const text = buffer;
        buffer = '';
        onScan(text);
      }
      buffer = '';
      return;
    }
    if (event.key.length === 1) buffer += event.key;
  };
  document.addEventListener('keydown', onKey, true);
  return () => document.removeEventListener('keydown', onKey, true);
}
