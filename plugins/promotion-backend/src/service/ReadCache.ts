/** Most entries a read cache holds; the oldest go first. */
export const READ_CACHE_MAX_ENTRIES = 1_000;

/**
 * A small in-process cache of answers that another service owns (a catalog
 * lookup, a permission decision), each kept for `ttlMs`. It holds the
 * promise, so concurrent requests for one key share one lookup; a lookup that
 * fails is not kept. Nothing the plugin writes is cached here: its own state
 * is always read from the database.
 */
export class ReadCache<V> {
  private readonly entries = new Map<
    string,
    { value: Promise<V>; expiresAt: number }
  >();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = READ_CACHE_MAX_ENTRIES,
  ) {}

  /** The cached answer for `key`, or `load()`'s, kept for the TTL. */
  get(key: string, load: () => Promise<V>): Promise<V> {
    if (this.ttlMs <= 0) return load();
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    this.entries.delete(key);
    const value = load();
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    // Map keeps insertion order: the first key is the oldest.
    while (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    return value;
  }
}
