import { LoggerService } from '@backstage/backend-plugin-api';
import type { Page } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { v4 as uuid } from 'uuid';
import { OutboxItem } from '../database/PageOutboxStore';
import { PromotionStore } from '../database/PromotionStore';
import { ENGINE } from '../engine/context';
import { withTimeout } from '../timeout';

/** Reaches on-call; {@link OnCall} in production. */
export interface OnCallPager {
  /** Sends a page; says who took it. */
  page(
    page: Omit<Page, 'link'>,
  ): Promise<{ delivered: string[]; failed: string[] }>;
  /** Closes a page by its dedup key; throws when a pager could not be told. */
  resolve(dedupKey: string): Promise<void>;
}

/** What the delivery loop needs. */
export interface PageOutboxOptions {
  store: PromotionStore;
  pager: OnCallPager;
  logger: LoggerService;
  clock: () => Date;
  /** How long a replica owns a claimed page before another may send it. */
  leaseMs?: number;
  /** Wait before the first retry; doubled on each failure up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

const CLAIM_BATCH = 20;

/**
 * The one delivery loop for every page on-call is owed. Pages are written
 * to the outbox in the transaction of the state change that owes them; this
 * loop leases them (so replicas never send one twice), sends them through
 * the pager, marks them delivered with their `oncall.paged` audit event, and
 * retries a failed one with exponential backoff. A backend killed before
 * sending leaves the page owed; the next one to look sends it.
 */
export class PageOutbox {
  private readonly ticket = uuid();
  private readonly leaseMs: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly options: PageOutboxOptions) {
    this.leaseMs = options.leaseMs ?? 60_000;
    this.backoffMs = options.backoffMs ?? 5_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 5 * 60_000;
  }

  /** A page was written: deliver soon, without making the writer wait. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Sends everything due now; returns how many items it handled. */
  async deliverDue(): Promise<number> {
    let handled = 0;
    while (!this.stopped) {
      const claimed = await this.options.store
        .pages()
        .claim(this.ticket, this.options.clock(), this.leaseMs, CLAIM_BATCH);
      if (claimed.length === 0) break;
      await Promise.all(claimed.map(item => this.deliver(item)));
      handled += claimed.length;
    }
    return handled;
  }

  /** Stops taking new work and waits for what is being sent. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.deliverDue();
      } catch (error) {
        this.options.logger.warn(`Page delivery pass failed: ${error}`);
      }
    } while (this.again && !this.stopped);
  }

  private async deliver(item: OutboxItem): Promise<void> {
    const { store, pager, clock, logger } = this.options;
    try {
      // Done well inside the lease, so no other replica sends it meanwhile.
      const outcome = await withTimeout(
        this.send(pager, item),
        this.leaseMs / 2,
      );
      await store.transaction(async tx => {
        const now = clock();
        if (!(await tx.pages().delivered(item.id, this.ticket, now))) return;
        if (outcome) {
          await tx.appendEvent(
            {
              entityRef: item.entityRef,
              environment: item.environment,
              digest: item.digest,
              kind: 'oncall.paged',
              actor: ENGINE,
              details: { why: item.why, summary: item.summary, ...outcome },
            },
            now,
          );
        }
      });
    } catch (error) {
      const retryAt = new Date(
        clock().getTime() +
          Math.min(this.backoffMs * 2 ** item.attempts, this.maxBackoffMs),
      );
      logger.warn(
        `Page ${item.key} (${item.action}) for ${
          item.entityRef
        } not delivered, retrying at ${retryAt.toISOString()}: ${error}`,
      );
      await store
        .pages()
        .failed(item.id, this.ticket, String(error), retryAt)
        .catch(e => logger.warn(`Could not record the failed page: ${e}`));
    }
  }

  /** Sends one item; a trigger nobody took counts as failed. */
  private async send(
    pager: OnCallPager,
    item: OutboxItem,
  ): Promise<{ delivered: string[]; failed: string[] } | undefined> {
    if (item.action === 'resolve') {
      await pager.resolve(item.key);
      return undefined;
    }
    const outcome = await pager.page({
      dedupKey: item.key,
      summary: item.summary ?? item.key,
      severity: item.severity ?? 'warning',
      entityRef: item.entityRef,
      environment: item.environment ?? '',
      digest: item.digest,
      details: item.details,
    });
    if (outcome.delivered.length === 0) {
      throw new Error(`no pager took it (${outcome.failed.join(', ')})`);
    }
    return outcome;
  }
}
