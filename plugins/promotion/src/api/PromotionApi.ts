import { createApiRef } from '@backstage/core-plugin-api';
import type {
  ConfirmRollbackRequest,
  CreateFreezeRequest,
  DecisionRequest,
  OverrideRollbackRequest,
  ReleaseHoldRequest,
  RollbackRequest,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import type {
  AuditEvent,
  Deployment,
  DoraMetrics,
  Freeze,
  Page,
  PipelineView,
  Promotion,
  PromotionOverview,
  RollbackView,
} from '@promotion-pipeline/backstage-plugin-promotion-common';

// The request bodies are the zod-inferred types of promotion-common, the
// same the backend parses; re-exported so the client's API names them.
export type {
  ConfirmRollbackRequest,
  CreateFreezeRequest,
  DecisionRequest,
  OverrideRollbackRequest,
  ReleaseHoldRequest,
  RollbackRequest,
};

/** Paging of a list endpoint. */
export interface PageOptions {
  cursor?: string;
  limit?: number;
}

/** Filters of {@link PromotionApi.listDeployments}. */
export interface ListDeploymentsOptions extends PageOptions {
  environment?: string;
}

/** Filters of {@link PromotionApi.listEvents}. */
export interface ListEventsOptions extends PageOptions {
  environment?: string;
  /** A family such as `deployment`, or an exact kind such as `deployment.verified`. */
  kind?: string;
}

/** What the backend accepted for a rollback. */
export interface RollbackResponse {
  promotionId: string;
  targetDigest: string;
  targetVersion?: string;
}

/** What the backend accepted for an override: the promotion redeploying the artifact. */
export interface OverrideRollbackResponse {
  promotionId: string;
}

/** Filters of {@link PromotionApi.listRollbacks}. */
export interface ListRollbacksOptions {
  environment?: string;
}

/** Client of the promotion backend. */
export interface PromotionApi {
  /** A service's pipeline: lanes, deployments, gates. */
  getPipeline(entityRef: string): Promise<PipelineView>;
  /** A page of the service's deployments, newest first. */
  listDeployments(
    entityRef: string,
    options?: ListDeploymentsOptions,
  ): Promise<Page<Deployment>>;
  /** A page of the service's audit events, newest first. */
  listEvents(
    entityRef: string,
    options?: ListEventsOptions,
  ): Promise<Page<AuditEvent>>;
  /** DORA figures of the service over the last `days` days. */
  getDoraMetrics(
    entityRef: string,
    options?: { days?: number },
  ): Promise<DoraMetrics>;
  /** Approve a promotion waiting on its approval gate. */
  approvePromotion(
    promotionId: string,
    options?: DecisionRequest,
  ): Promise<Promotion>;
  /** Reject a promotion waiting on its approval gate. */
  rejectPromotion(
    promotionId: string,
    options?: DecisionRequest,
  ): Promise<Promotion>;
  /** Roll one environment back to an earlier artifact. */
  rollback(
    entityRef: string,
    request: RollbackRequest,
  ): Promise<RollbackResponse>;
  /** On-call agrees with an automatic rollback: it stands. */
  confirmRollback(
    rollbackId: string,
    request?: ConfirmRollbackRequest,
  ): Promise<RollbackView>;
  /**
   * On-call disagrees with an automatic rollback: the rolled-back artifact is
   * deployed again, with automatic rollback off for that deployment.
   */
  overrideRollback(
    rollbackId: string,
    request: OverrideRollbackRequest,
  ): Promise<OverrideRollbackResponse>;
  /** The service's rollbacks, manual and automatic, newest first. */
  listRollbacks(
    entityRef: string,
    options?: ListRollbacksOptions,
  ): Promise<{ items: RollbackView[] }>;
  /** Let automation promote a held artifact again. */
  releaseHold(
    entityRef: string,
    holdId: string,
    options?: ReleaseHoldRequest,
  ): Promise<void>;
  /** Stop the line: no promotions into the environment until lifted. */
  createFreeze(
    entityRef: string,
    request: CreateFreezeRequest,
  ): Promise<Freeze>;
  /** Lift a stop-the-line freeze. */
  liftFreeze(freezeId: string): Promise<void>;
  /** Across the services the signed-in user may read: approvals for them, freezes, what moves, rollbacks. */
  getOverview(): Promise<PromotionOverview>;
}

/** API reference of {@link PromotionApi}. */
export const promotionApiRef = createApiRef<PromotionApi>({
  id: 'plugin.promotion.api',
});
