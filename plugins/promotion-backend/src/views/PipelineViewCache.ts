/** Most services whose last pipeline answer is kept; the oldest go first. */
export const PIPELINE_VIEW_CACHE_MAX_ENTRIES = 200;

interface Entry {
  etag: string;
  body: Promise<Buffer>;
  expiresAt: number;
  refreshing?: boolean;
}

/**
 * The last full pipeline answer of each service, as JSON bytes, served again
 * to any caller whose request computed the ETag it was built under
 * (pipelineEtag: the service's stored version, config and calendar outlook,
 * read before the view). Every write a view shows changes the version, so a
 * GET after a write never gets the body from before it: a new ETag waits for
 * its own build. Under an unchanged ETag nothing the view reads has changed;
 * only the few details that follow the clock may lag, so once `ttlMs` has
 * passed since a build the next caller still gets that body while a new one
 * is built beside it, and no request waits on a build of an unchanged view.
 * Concurrent misses of one ETag share one build; a failed build is not kept.
 */
export class PipelineViewCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = PIPELINE_VIEW_CACHE_MAX_ENTRIES,
  ) {}

  /** The body built under `etag` for `entityRef`, or `build()`'s. */
  get(
    entityRef: string,
    etag: string,
    build: () => Promise<Buffer>,
  ): Promise<Buffer> {
    if (this.ttlMs <= 0) return build();
    const hit = this.entries.get(entityRef);
    if (hit?.etag === etag) {
      if (hit.expiresAt <= this.now() && !hit.refreshing) {
        this.refresh(entityRef, hit, build);
      }
      return hit.body;
    }
    return this.store(entityRef, etag, build()).body;
  }

  /** Keeps `body` as the service's answer under `etag`. */
  private store(entityRef: string, etag: string, body: Promise<Buffer>) {
    // Re-inserted, so the Map's first key stays the least recently built.
    this.entries.delete(entityRef);
    const entry: Entry = { etag, body, expiresAt: this.now() + this.ttlMs };
    this.entries.set(entityRef, entry);
    body.catch(() => {
      if (this.entries.get(entityRef) === entry) this.entries.delete(entityRef);
    });
    while (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    return entry;
  }

  /** Builds `stale`'s view again beside the callers it keeps serving. */
  private refresh(
    entityRef: string,
    stale: Entry,
    build: () => Promise<Buffer>,
  ) {
    stale.refreshing = true;
    const startedAt = this.now();
    build().then(
      body => {
        // Unless a newer ETag has taken the service's place meanwhile.
        if (this.entries.get(entityRef) !== stale) return;
        const entry = this.store(entityRef, stale.etag, Promise.resolve(body));
        entry.expiresAt = startedAt + this.ttlMs;
      },
      () => {
        // The old body still stands; the next caller tries again.
        stale.refreshing = false;
      },
    );
  }
}
