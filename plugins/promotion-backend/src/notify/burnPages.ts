import { LoggerService } from '@backstage/backend-plugin-api';
import type { Page } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { PromotionStore } from '../database/PromotionStore';

/** Reaches on-call; {@link OnCall} in production. */
export interface AutoRollbackPager {
  page(
    page: Omit<Page, 'link'>,
  ): Promise<{ delivered: string[]; failed: string[] }>;
  resolve(dedupKey: string): Promise<void>;
}

const ENGINE = 'engine';
const PAGE_LEASE_MS = 60_000;

/**
 * Sends the pages that are owed and resolves the ones whose condition
 * cleared. A replica leases a page before sending it, so replicas do not
 * send it twice; one that dies while sending lets the lease lapse and
 * another sends it (at least once; pagers collapse repeats by dedup key).
 */
export async function deliverOwedPages(options: {
  store: PromotionStore;
  pager: AutoRollbackPager;
  clock: () => Date;
  logger: LoggerService;
}): Promise<void> {
  const { store, pager, clock, logger } = options;
  for (const due of await store.burnWatch().listPagesDue(clock())) {
    const leased = {
      ...due,
      pageLeaseUntil: new Date(clock().getTime() + PAGE_LEASE_MS),
    };
    if (!(await store.burnWatch().save(leased, due.version, clock()))) {
      continue;
    }
    const { page } = due;
    let { pagedAt, resolveKey } = due;
    try {
      if (resolveKey) {
        await pager.resolve(resolveKey);
        resolveKey = undefined;
      }
      if (page && !pagedAt) {
        const outcome = await pager.page({
          dedupKey: page.key,
          summary: page.summary,
          severity: page.severity,
          entityRef: due.entityRef,
          environment: due.environment,
          details: { burnRate: due.reading, rollbackId: due.rollbackId },
        });
        if (outcome.delivered.length === 0) {
          throw new Error(`no pager took it (${outcome.failed.join(', ')})`);
        }
        pagedAt = clock();
        await store.appendEvent(
          {
            entityRef: due.entityRef,
            environment: due.environment,
            kind: 'oncall.paged',
            actor: ENGINE,
            details: {
              why: page.key.split(':')[0],
              summary: page.summary,
              ...outcome,
            },
          },
          pagedAt,
        );
      }
    } catch (error) {
      logger.warn(
        `Auto-rollback page for ${due.entityRef} in ${due.environment} not delivered, will retry: ${error}`,
      );
    }
    // Done or not, the lease ends: what is still owed is retried next pass.
    await store
      .burnWatch()
      .save(
        { ...due, pagedAt, resolveKey, pageLeaseUntil: undefined },
        due.version + 1,
        clock(),
      );
  }
}
