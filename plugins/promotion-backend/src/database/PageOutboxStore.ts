import { Knex } from 'knex';
import { PageRow } from './tables';

const TABLE = 'promotion_pages';

/** A page a state change owes on-call. */
export interface NewPage {
  /** Dedup key of the condition (see notify/pageKeys.ts). */
  key: string;
  /** What owes it, for the audit log, e.g. `e2e failed`, `auto-rollback`. */
  why: string;
  entityRef: string;
  environment?: string;
  digest?: string;
  severity: 'critical' | 'warning' | 'info';
  summary: string;
  details?: Record<string, unknown>;
}

/** One outbox item: a page to send or a page to resolve. */
export interface OutboxItem {
  id: string;
  action: 'trigger' | 'resolve';
  key: string;
  why: string;
  entityRef: string;
  environment?: string;
  digest?: string;
  severity?: NewPage['severity'];
  summary?: string;
  details?: Record<string, unknown>;
  attempts: number;
}

/** How many pages the outbox still owes on-call, by what is to be done. */
export interface PagesOwed {
  /** Pages to send (leased or not). */
  send: number;
  /** Pages whose condition is over, to resolve. */
  resolve: number;
}

function fromRow(row: PageRow): OutboxItem {
  return {
    id: String(row.id),
    action: row.action,
    key: row.dedup_key,
    why: row.why,
    entityRef: row.entity_ref,
    environment: row.environment ?? undefined,
    digest: row.digest ?? undefined,
    severity: (row.severity as NewPage['severity']) ?? undefined,
    summary: row.summary ?? undefined,
    details: row.details ? JSON.parse(row.details) : undefined,
    attempts: Number(row.attempts),
  };
}

/** Rows nobody is sending now: never leased, or the lease lapsed. */
const unleased = (now: Date) => (q: Knex.QueryBuilder) =>
  q.whereNull('lease_ticket').orWhere('lease_expires_at', '<', now);

/**
 * The page outbox table, bound to the connection or transaction of the store
 * that hands it out: pages are written with the state change that owes them.
 */
export class PageOutboxStore {
  constructor(private readonly db: Knex) {}

  /** Owes on-call these pages. */
  async enqueue(pages: NewPage[], now: Date): Promise<void> {
    if (pages.length === 0) return;
    await this.db(TABLE).insert(
      pages.map(page => ({
        action: 'trigger',
        dedup_key: page.key,
        why: page.why,
        entity_ref: page.entityRef,
        environment: page.environment ?? null,
        digest: page.digest || null,
        severity: page.severity,
        summary: page.summary,
        details: page.details ? JSON.stringify(page.details) : null,
        created_at: now,
        next_attempt_at: now,
      })),
    );
  }

  /**
   * The condition behind `key` is over. A page nobody has started sending is
   * dropped (on-call need not hear of it); one delivered or being sent now is
   * resolved, after it.
   */
  async close(key: string, now: Date): Promise<void> {
    await this.db(TABLE)
      .where({ dedup_key: key, action: 'trigger' })
      .whereNull('done_at')
      .where(unleased(now))
      .update({ done_at: now, outcome: 'dropped', lease_ticket: null });
    const newest: PageRow | undefined = await this.db<PageRow>(TABLE)
      .where({ dedup_key: key })
      .where(q => q.whereNull('outcome').orWhere('outcome', 'delivered'))
      .orderBy('id', 'desc')
      .first();
    if (newest?.action !== 'trigger') return;
    await this.db(TABLE).insert({
      action: 'resolve',
      dedup_key: key,
      why: newest.why,
      entity_ref: newest.entity_ref,
      environment: newest.environment,
      digest: newest.digest,
      created_at: now,
      next_attempt_at: now,
    });
  }

  /**
   * Leases up to `limit` items that are due, in one statement. Items of one
   * dedup key go out in the order they were written (a resolve never
   * overtakes its trigger). On PostgreSQL rows another replica is claiming
   * are skipped (`FOR UPDATE SKIP LOCKED`); SQLite has one writer anyway.
   */
  async claim(
    ticket: string,
    now: Date,
    leaseMs: number,
    limit: number,
  ): Promise<OutboxItem[]> {
    const due = this.db(`${TABLE} as p`)
      .select('p.id')
      .whereNull('p.done_at')
      .where('p.next_attempt_at', '<=', now)
      .where(q =>
        q.whereNull('p.lease_ticket').orWhere('p.lease_expires_at', '<', now),
      )
      .whereNotExists(q =>
        q
          .select(this.db.raw('1'))
          .from(`${TABLE} as e`)
          .whereRaw('e.dedup_key = p.dedup_key')
          .whereRaw('e.id < p.id')
          .whereNull('e.done_at'),
      )
      .orderBy('p.id')
      .limit(limit);
    if (this.db.client.config.client === 'pg') {
      due.forUpdate('p').skipLocked();
    }
    const claimed = await this.db(TABLE)
      .whereIn('id', due)
      .update({
        lease_ticket: ticket,
        lease_expires_at: new Date(now.getTime() + leaseMs),
      })
      .returning('*');
    return (claimed as PageRow[])
      .map(fromRow)
      .sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** Marks an item this replica holds as delivered; false when its lease was lost. */
  async delivered(id: string, ticket: string, now: Date): Promise<boolean> {
    const updated = await this.db(TABLE)
      .where({ id, lease_ticket: ticket })
      .whereNull('done_at')
      .update({
        done_at: now,
        outcome: 'delivered',
        lease_ticket: null,
        lease_expires_at: null,
        last_error: null,
      });
    return updated === 1;
  }

  /** An attempt failed: hands the item back to be tried again at `retryAt`. */
  async failed(
    id: string,
    ticket: string,
    error: string,
    retryAt: Date,
  ): Promise<void> {
    await this.db(TABLE)
      .where({ id, lease_ticket: ticket })
      .whereNull('done_at')
      .update({
        attempts: this.db.raw('attempts + 1'),
        next_attempt_at: retryAt,
        lease_ticket: null,
        lease_expires_at: null,
        last_error: error.slice(0, 2000),
      });
  }

  /** What is still owed, leased or not; feeds the pages-owed gauge. */
  async countOwed(): Promise<PagesOwed> {
    const rows = await this.db(TABLE)
      .whereNull('done_at')
      .groupBy('action')
      .select('action')
      .count({ n: '*' });
    const owed: PagesOwed = { send: 0, resolve: 0 };
    for (const row of rows as Array<{ action: string; n: unknown }>) {
      owed[row.action === 'resolve' ? 'resolve' : 'send'] = Number(row.n);
    }
    return owed;
  }
}
