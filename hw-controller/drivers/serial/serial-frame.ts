/**
 * One line of the serial protocol (docs/hw-protocol.md, "Serial line protocol"):
 * `<seq> <WORD> [<WORD>…]*<CS>\n`, ASCII, where CS is the XOR of every byte before `*` as two
 * upper-case hex digits. The host numbers its commands 1–9999; the device echoes the number.
 */
export interface SerialFrame {
  seq: number;
  words: string[];
}

export const maxLineBytes = 120;
export const maxSeq = 9999;

export function checksum(text: string): string {
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum ^= text.charCodeAt(i) & 0xff;
  return sum.toString(16).toUpperCase().padStart(2, '0');
}

/** The line without its newline. */
export function formatFrame(frame: SerialFrame): string {
  const text = `${frame.seq} ${frame.words.join(' ')}`;
  return `${text}*${checksum(text)}`;
}

export type ParsedLine =
  | { ok: true; frame: SerialFrame }
  | { ok: false; seq: number | null; problem: string };

const wordPattern = /^[A-Za-z0-9.+-]{1,32}$/;

export function parseLine(line: string): ParsedLine {
  const star = line.lastIndexOf('*');
  const seqMatch = /^(\d{1,4}) /.exec(line);
  const seq = seqMatch ? Number(seqMatch[1]) : null;
  if (star < 0 || line.length - star !== 3) return { ok: false, seq, problem: 'no *CS checksum at the end' };
  const text = line.slice(0, star);
  if (checksum(text) !== line.slice(star + 1).toUpperCase())
    return { ok: false, seq, problem: 'bad checksum' };
  const [first, ...words] = text.split(' ');
  if (seq === null || first !== String(seq) || words.length === 0)
    return { ok: false, seq: null, problem: 'a line starts with its sequence number and a word' };
  if (!words.every((w) => wordPattern.test(w)))
    return { ok: false, seq, problem: 'bad characters in a word' };
  return { ok: true, frame: { seq, words } };
}
