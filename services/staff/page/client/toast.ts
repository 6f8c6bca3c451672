import { byId } from './element-builder.ts';

let hideTimer: ReturnType<typeof setTimeout> | undefined;

/** A short note at the bottom of the page that fades by itself. */
export function toast(text: string): void {
  const note = byId('toast');
  note.textContent = text;
  note.classList.add('show');
  clearTimeout(hideTimer);
  hideTimer = setTimeout(() => note.classList.remove('show'), 2500);
}
