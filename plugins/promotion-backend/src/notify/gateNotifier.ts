import {
  gateEvidence,
  type GateResult,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { PromotionStore } from '../database/PromotionStore';
import type { GateNotifier } from '../engine/PromotionEngine';
import { OnCall } from './OnCall';

/**
 * Acts on gate verdicts that just changed: approvers hear when their approval
 * is needed, and the request lands in the audit log. (Pages, e.g. for an e2e
 * failure, go through the page outbox: see gatePages.ts.)
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
    }
  };
}
