import type {
  AuditEvent,
  Page,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { Knex } from 'knex';
import { insertRows, onPostgres } from './bulk';
import { eventFromRow, eventRow, pageSize } from './rows';
import { EventQuery, NewEvent, PromotionStore } from './PromotionStore';
import { EventRow } from './tables';

/**
 * The audit events table, and what every table of the store shares: the
 * connection (or transaction) and the one-statement claim of due rows.
 */
export abstract class EventTable {
  /** Events held back until the transaction ends (see `transaction`'s `batchEvents`). */
  private batched?: EventRow[];

  protected constructor(protected readonly db: Knex) {}

  /** Runs `fn` in one transaction (or the caller's). */
  abstract transaction<T>(
    fn: (tx: PromotionStore) => Promise<T>,
    options?: { batchEvents?: boolean },
  ): Promise<T>;

  /** From now on, appended events wait for `writeBatchedEvents`. */
  protected batchEvents() {
    this.batched ??= [];
  }

  /** Writes the held-back events as one statement, in the order appended. */
  protected async writeBatchedEvents() {
    const rows = this.batched ?? [];
    this.batched = undefined;
    await insertRows(this.db, 'promotion_events', rows);
  }

  async appendEvent(event: NewEvent, now: Date) {
    const row = eventRow(event, now);
    if (this.batched) {
      this.batched.push(row);
      return;
    }
    await this.db('promotion_events').insert(row);
  }

  async listEvents(
    entityRef: string,
    query: EventQuery = {},
  ): Promise<Page<AuditEvent>> {
    const base = this.db<EventRow>('promotion_events').where({
      entity_ref: entityRef,
    });
    if (query.environment) base.where({ environment: query.environment });
    if (query.kind) {
      // A kind filter without a dot matches the whole family, e.g. "deployment".
      if (query.kind.includes('.')) base.where({ kind: query.kind });
      else base.where('kind', 'like', `${query.kind}.%`);
    }
    const [{ count }] = await base.clone().count({ count: '*' });
    const limit = pageSize(query.limit);
    const page = base
      .clone()
      .orderBy('id', 'desc')
      .limit(limit + 1);
    if (query.cursor) {
      page.where('id', '<', Number(query.cursor));
    }
    const rows = await page;
    const items = rows.slice(0, limit).map(eventFromRow);
    return {
      items,
      totalCount: Number(count),
      nextCursor: rows.length > limit ? items[items.length - 1].id : undefined,
    };
  }

  /**
   * Leases up to `limit` due, unleased rows in one statement: on PostgreSQL
   * the inner select skips rows another replica is claiming (`FOR UPDATE
   * SKIP LOCKED`), so replicas never queue behind each other; SQLite has one
   * writer at a time anyway.
   */
  protected async claim<Row extends { id: string }>(
    table: string,
    filter: (q: Knex.QueryBuilder) => Knex.QueryBuilder,
    now: Date,
    ticket: string,
    leaseMs: number,
    limit: number,
  ): Promise<Row[]> {
    if (limit <= 0) return [];
    const due = filter(this.db(table).select('id'))
      .where('next_check_at', '<=', now)
      .where(inner =>
        inner.whereNull('lease_ticket').orWhere('lease_expires_at', '<', now),
      )
      .orderBy('next_check_at', 'asc')
      .limit(limit);
    const postgres = onPostgres(this.db);
    if (postgres) due.forUpdate().skipLocked();
    // On PostgreSQL the ids as an array: `IN (subquery)` plans a scan of the
    // whole table, history included.
    const leaseExpires = new Date(now.getTime() + leaseMs);
    const claimed = await (postgres
      ? this.db(table).whereRaw('id = any(array(?))', [due])
      : this.db(table).whereIn('id', due)
    )
      .update({
        lease_ticket: ticket,
        lease_expires_at: leaseExpires,
        // A leased row is next due when its lease runs out: it leaves the
        // range the next claim scans, so claims do not walk over the rows
        // claimed before them. Whoever holds it sets its real due time.
        next_check_at: leaseExpires,
      })
      .returning('*');
    return claimed as Row[];
  }
}
