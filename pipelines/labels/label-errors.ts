/** Why a label image could not be read, in words a courier or an operator can act on. */
export class LabelImageError extends Error {
  override readonly name = 'LabelImageError';
}

/** Input to the label pipeline other than the image itself (a residents file, an option) is wrong. */
export class LabelInputError extends Error {
  override readonly name = 'LabelInputError';
}
