import type { GateResult } from '@promotion-pipeline/backstage-plugin-promotion-common';
import type { NewPage } from '../database/PageOutboxStore';
import type {
  ArtifactRecord,
  PromotionRecord,
} from '../database/PromotionStore';
import { pageKeys } from './pageKeys';

/**
 * The pages gate verdicts that just changed owe on-call: e2e failing (not
 * erroring) against the source environment blocks the promotion and pages.
 * Written with the verdicts, in their transaction.
 */
export function gatePages(
  promotion: PromotionRecord,
  artifact: ArtifactRecord,
  changed: GateResult[],
): NewPage[] {
  return changed
    .filter(r => r.gate === 'e2e' && r.verdict === 'failed' && !r.errored)
    .map(result => {
      const environment = promotion.fromEnvironment ?? promotion.toEnvironment;
      return {
        key: pageKeys.e2e(promotion.entityRef, environment, artifact.digest),
        why: 'e2e failed',
        entityRef: promotion.entityRef,
        environment,
        digest: artifact.digest,
        severity: 'warning',
        summary: `e2e failed for ${artifact.version} in ${promotion.fromEnvironment}; promotion to ${promotion.toEnvironment} blocked`,
        details: { reason: result.reason, promotionId: promotion.id },
      };
    });
}
