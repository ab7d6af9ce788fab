/** Most services whose last pipeline answer is kept; the oldest go first. */
export const PIPELINE_VIEW_CACHE_MAX_ENTRIES = 200;

interface Entry {
  etag: string;
  body: Promise<Buffer>;
  expiresAt: number;
}

/**
 * The last full pipeline answer of each service, as JSON bytes, served again
 * to any caller while the service's ETag (pipelineEtag: its stored version,
 * config and calendar outlook, read before the view) is the one it was built
 * under and `ttlMs` has not passed since the build began. Every write a view
 * shows changes the version, so a GET after a write never gets the body from
 * before it; the lifetime only bounds what a time-dependent detail may lag.
 * Concurrent misses of one ETag share one build; a failed build is not kept.
 */
export class PipelineViewCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = PIPELINE_VIEW_CACHE_MAX_ENTRIES,
  ) {}

  /** The body built under `etag` for `entityRef`, or `build()`'s, kept for the lifetime. */
  get(entityRef: string, etag: string, build: () => Promise<Buffer>) {
    if (this.ttlMs <= 0) return build();
    const now = this.now();
    const hit = this.entries.get(entityRef);
    if (hit && hit.etag === etag && hit.expiresAt > now) return hit.body;
    // Re-inserted, so the Map's first key stays the least recently built.
    this.entries.delete(entityRef);
    const body = build();
    const entry = { etag, body, expiresAt: now + this.ttlMs };
    this.entries.set(entityRef, entry);
    body.catch(() => {
      if (this.entries.get(entityRef) === entry) this.entries.delete(entityRef);
    });
    while (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    return body;
  }
}
