import { createApiRef } from '@backstage/core-plugin-api';
import type { AuditEvent, Page, PipelineView } from '@internal/plugin-promotion-common';

/** Client of the promotion backend. */
export interface PromotionApi {
  /** A service's pipeline: lanes, deployments, gates. */
  getPipeline(entityRef: string): Promise<PipelineView>;
  /** A page of the service's audit events, newest first. */
  listEvents(
    entityRef: string,
    options?: { cursor?: string; limit?: number; environment?: string; kind?: string },
  ): Promise<Page<AuditEvent>>;
}

/** API reference of {@link PromotionApi}. */
export const promotionApiRef = createApiRef<PromotionApi>({
  id: 'plugin.promotion.api',
});
