/** How urgent a page is. */
export type PageSeverity = 'critical' | 'warning' | 'info';

/** A page to on-call about one service and environment. */
export interface Page {
  /** Stable key so repeated pages about the same condition collapse (dedup key). */
  dedupKey: string;
  summary: string;
  severity: PageSeverity;
  entityRef: string;
  environment: string;
  digest?: string;
  /** Link to the service's pipeline tab. */
  link?: string;
  details?: Record<string, unknown>;
}

/** Sends pages to an external paging system. Throws when it cannot deliver. */
export interface Pager {
  /** Opens (or re-sends) the page. */
  trigger(page: Page): Promise<void>;
  /** Closes a page opened with the same dedup key. */
  resolve(dedupKey: string): Promise<void>;
}
