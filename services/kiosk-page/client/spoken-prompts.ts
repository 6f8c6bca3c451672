/** Says a prompt aloud and shows it as a caption; a new prompt cuts off the previous one. */
export function speak(text: string): void {
  const caption = document.getElementById('spoken');
  if (caption) caption.textContent = text;
  if (!('speechSynthesis' in window)) return;
  try {
    window.speechSynthesis.cancel();
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.rate = 0.95;
    utterance.lang = document.documentElement.lang || 'en';
    window.speechSynthesis.speak(utterance);
  } catch {
    // A kiosk without a voice still shows the caption.
  }
}

/** Stops speaking and clears the caption. */
export function hush(): void {
  const caption = document.getElementById('spoken');
  if (caption) caption.textContent = '';
  if ('speechSynthesis' in window) window.speechSynthesis.cancel();
}
