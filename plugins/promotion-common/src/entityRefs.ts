/**
 * The one stored and compared spelling of an entity reference. Backstage
 * compares entity refs case-insensitively, so `User:Default/Alice` and
 * `user:default/alice` are the same person: anything that stores a ref as an
 * identity (an author, an actor) or compares two refs goes through here.
 */
export function normalizeEntityRef(ref: string): string {
  return ref.toLocaleLowerCase('en-US');
}

/** Whether two entity refs name the same entity. */
export function sameEntityRef(a: string, b: string): boolean {
  return normalizeEntityRef(a) === normalizeEntityRef(b);
}
