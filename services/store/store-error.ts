/** The store could not be opened or used; `message` says what to do about it. */
export class StoreError extends Error {
  override readonly name: string = 'StoreError';
}

/** A row that a caller asked for by id does not exist. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} does not exist`);
  }
}
