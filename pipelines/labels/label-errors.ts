/** Why a label image could not be read, in words a courier or an operator can act on. */
export class LabelImageError extends Error {
  override readonly name = 'LabelImageError';
}
