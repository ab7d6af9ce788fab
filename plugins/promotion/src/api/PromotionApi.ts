import { createApiRef } from '@backstage/core-plugin-api';
import type {
  AuditEvent,
  Deployment,
  DoraMetrics,
  Freeze,
  Page,
  PipelineView,
  Promotion,
  RollbackView,
} from '@promotion-pipeline/backstage-plugin-promotion-common';

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

/** Body of a manual rollback of one environment. */
export interface RollbackRequest {
  environment: string;
  reason: string;
  /** The digest to return to; the backend picks the warm previous artifact when absent. */
  targetDigest?: string;
}

/** What the backend accepted for a rollback. */
export interface RollbackResponse {
  promotionId: string;
  targetDigest: string;
  targetVersion?: string;
}

/** Body of a stop-the-line freeze. */
export interface CreateFreezeRequest {
  environment: string;
  reason: string;
  /** Freeze the environment for every service, not only this one. */
  allServices?: boolean;
}

/** Body of a confirmation of an automatic rollback. */
export interface ConfirmRollbackRequest {
  comment?: string;
}

/** Body of an override of an automatic rollback: why the artifact goes back in. */
export interface OverrideRollbackRequest {
  comment: string;
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
    options?: { comment?: string },
  ): Promise<Promotion>;
  /** Reject a promotion waiting on its approval gate. */
  rejectPromotion(
    promotionId: string,
    options?: { comment?: string },
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
    options?: { reason?: string },
  ): Promise<void>;
  /** Stop the line: no promotions into the environment until lifted. */
  createFreeze(
    entityRef: string,
    request: CreateFreezeRequest,
  ): Promise<Freeze>;
  /** Lift a stop-the-line freeze. */
  liftFreeze(freezeId: string): Promise<void>;
}

/** API reference of {@link PromotionApi}. */
export const promotionApiRef = createApiRef<PromotionApi>({
  id: 'plugin.promotion.api',
});
