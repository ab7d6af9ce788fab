import {
  gateEvidence,
  type GateResult,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { PromotionStore } from '../database/PromotionStore';
import type { GateNotifier } from '../engine/PromotionEngine';
import { OnCall } from './OnCall';

/**
 * Acts on gate verdicts that just changed: approvers hear when their approval
 * is needed; on-call is paged when e2e fails against the source environment.
 * Both land in the audit log.
 */
export function createGateNotifier(
  onCall: OnCall,
  store: PromotionStore,
  clock: () => Date = () => new Date(),
): GateNotifier {
  return async (promotion, artifact, changed: GateResult[]) => {
    for (const result of changed) {
      if (result.gate === 'approval' && result.verdict === 'pending') {
        // The approvers' group when the gate names one, else the owners.
        const typed = gateEvidence(result);
        const group =
          typed?.gate === 'approval' ? typed.evidence.group : undefined;
        await onCall.notifyOwner(
          promotion.entityRef,
          `Approval needed: ${artifact.version} → ${promotion.toEnvironment}`,
          result.reason,
          'normal',
          group || undefined,
        );
        await store.appendEvent(
          {
            entityRef: promotion.entityRef,
            environment: promotion.toEnvironment,
            digest: artifact.digest,
            kind: 'approval.requested',
            actor: 'engine',
            details: { promotionId: promotion.id, reason: result.reason },
          },
          clock(),
        );
      }
      if (
        result.gate === 'e2e' &&
        result.verdict === 'failed' &&
        !result.errored
      ) {
        const outcome = await onCall.page({
          dedupKey: `e2e:${promotion.entityRef}:${promotion.fromEnvironment}:${artifact.digest}`,
          summary: `e2e failed for ${artifact.version} in ${promotion.fromEnvironment}; promotion to ${promotion.toEnvironment} blocked`,
          severity: 'warning',
          entityRef: promotion.entityRef,
          environment: promotion.fromEnvironment ?? promotion.toEnvironment,
          digest: artifact.digest,
          details: { reason: result.reason, promotionId: promotion.id },
        });
        await store.appendEvent(
          {
            entityRef: promotion.entityRef,
            environment: promotion.fromEnvironment,
            digest: artifact.digest,
            kind: 'oncall.paged',
            actor: 'engine',
            details: { why: 'e2e failed', reason: result.reason, ...outcome },
          },
          clock(),
        );
      }
    }
  };
}
