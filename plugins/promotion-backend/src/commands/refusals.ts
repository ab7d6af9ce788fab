import { PromotionStore } from '../database/PromotionStore';

/** The audit event kind of a human action that was refused (403). */
export const ACTION_REFUSED = 'action.refused';

/** A refused attempt, as the service's audit log records it. */
export interface Refusal {
  entityRef: string;
  environment?: string;
  digest?: string;
  actor: string;
  /** What was attempted: a permission name or a command such as `approve`. */
  action: string;
  reason: string;
  details?: Record<string, unknown>;
}

/** Writes refused attempts into the audit log of the service they aimed at. */
export type RecordRefusal = (refusal: Refusal) => Promise<void>;

/**
 * Refusals land in the promotion audit log beside the actions that went
 * through, so the events API shows who tried what. Writing one must never
 * turn the 403 into another answer: a failed write is reported and dropped
 * (the Backstage auditor has the attempt as well).
 */
export function createRefusalRecorder(
  store: PromotionStore,
  clock: () => Date,
  onError: (error: unknown) => void = () => {},
): RecordRefusal {
  return async refusal => {
    try {
      await store.appendEvent(
        {
          entityRef: refusal.entityRef,
          environment: refusal.environment,
          digest: refusal.digest,
          kind: ACTION_REFUSED,
          actor: refusal.actor,
          details: {
            action: refusal.action,
            reason: refusal.reason,
            ...refusal.details,
          },
        },
        clock(),
      );
    } catch (error) {
      onError(error);
    }
  };
}
