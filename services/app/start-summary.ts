import { type FirstStartSecrets, formatFirstStartSecrets } from '../seed/index.ts';

export interface StartSummary {
  /** What a person opens next, by name: the kiosk, the staff pages, the demo's control panel. */
  links: Array<{ name: string; url: string }>;
  /** The first start's credentials, shown once; absent on every later start. */
  secrets?: FirstStartSecrets;
}

/**
 * The lines printed to the terminal once the room runs. They come after the start-up logs so a
 * person who ran `npm start` finds the password and the addresses at the bottom of the screen
 * rather than scrolled away among log lines.
 */
export function formatStartSummary(summary: StartSummary): string {
  const width = Math.max(...summary.links.map((link) => link.name.length));
  const lines = ['', 'Parcelroom is running. Open:'];
  for (const link of summary.links) lines.push(`  ${link.name.padEnd(width)}  ${link.url}`);
  const text = lines.join('\n');
  return summary.secrets ? `${formatFirstStartSecrets(summary.secrets)}${text}\n` : `${text}\n`;
}
