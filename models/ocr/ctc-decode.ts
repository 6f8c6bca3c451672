/**
 * Greedy CTC decoding of a PP-OCR recognition output ([lines, timesteps, classes] softmax) with
 * the model's character dictionary.
 */

/** Which of the dictionary's characters the decoder may emit. */
export type OcrCharset = 'latin' | 'full';

export interface CtcDictionary {
  /** Class index → character; index 0 is the CTC blank (''). */
  characters: readonly string[];
  /** The class of ' ', or -1 when the model has none. */
  space: number;
  /**
   * The classes the decoder chooses among, blank first. PP-OCR's Chinese dictionary also holds
   * Latin letters, digits and full-width forms; on English labels, letting the decoder pick a
   * CJK character that looks like "口" or "一" only ever produces a misread.
   */
  candidates: Int32Array;
}

/** Latin script after NFKC (full-width "Ａ" → "A"): ASCII and Latin-1/Extended-A/B letters. */
const latinCharacter = /^[\x20-\x7E\u00A0-\u024F]$/u;

/**
 * PP-OCR's layout: blank, then one class per line of the keys file, then a space. `classCount`
 * comes from the model's output so that a dictionary meant for another model is refused instead
 * of silently shifting every character by one.
 */
export function paddleDictionary(
  keysFileText: string,
  classCount: number,
  charset: OcrCharset,
): CtcDictionary {
  const keys = keysFileText.split(/\r?\n/);
  // A trailing newline leaves one empty line that is not a key.
  if (keys.at(-1) === '') keys.pop();
  const characters = ['', ...keys, ' '];
  if (characters.length !== classCount)
    throw new RangeError(
      `the dictionary gives ${characters.length} classes (blank, ${keys.length} keys, space) but the model outputs ${classCount}`,
    );
  const chosen: number[] = [0];
  for (let i = 1; i < characters.length; i++) {
    if (charset === 'full' || latinCharacter.test(characters[i]!.normalize('NFKC'))) chosen.push(i);
  }
  return { characters, space: characters.length - 1, candidates: Int32Array.from(chosen) };
}

export interface DecodedText {
  /** NFKC-normalised, runs of spaces collapsed, trimmed. */
  text: string;
  /** Mean probability of the emitted characters other than spaces; 0 when there are none. */
  confidence: number;
}

/**
 * Decodes line `line` of a `[lines, timesteps, classes]` probability tensor.
 *
 * PP-OCR's Chinese recogniser was trained on text with few spaces and seldom makes the space
 * its top class, even between clearly separate English words; it does give the space a visible
 * share there (mostly above 0.15 on rendered labels) and almost none between the letters of a
 * word (below 0.06). So a step where blank wins is read as a space when the space's probability
 * reaches `minSpaceProbability`. Spaces take no part in the confidence, which would otherwise
 * fall for every word gap found this way.
 */
export function ctcGreedyDecode(
  probabilities: Float32Array,
  line: number,
  timesteps: number,
  classCount: number,
  dictionary: CtcDictionary,
  minSpaceProbability = 1,
): DecodedText {
  const { candidates, characters, space } = dictionary;
  let text = '';
  let sum = 0;
  let emitted = 0;
  let previous = -1;
  for (let t = 0; t < timesteps; t++) {
    const base = (line * timesteps + t) * classCount;
    let best = 0;
    let bestP = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < candidates.length; c++) {
      const p = probabilities[base + candidates[c]!]!;
      if (p > bestP) {
        bestP = p;
        best = candidates[c]!;
      }
    }
    if (best === 0 && space >= 0 && probabilities[base + space]! >= minSpaceProbability) best = space;
    // CTC: a class repeated on consecutive steps is one character; blank separates doubles.
    if (best !== 0 && best !== previous) {
      text += characters[best];
      if (best !== space) {
        sum += bestP;
        emitted++;
      }
    }
    previous = best;
  }
  return {
    text: text.normalize('NFKC').replace(/\s+/g, ' ').trim(),
    confidence: emitted === 0 ? 0 : sum / emitted,
  };
}
