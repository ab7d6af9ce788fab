import type { GateResultsWrite, PromotionGo } from './LaneStore';
import { eventRow, promotionEvent, queuedEvent } from './rows';
import type { EventRow, GateResultRow } from './tables';

// The rows the engine's batched lane writes insert (see `LaneStore`).

/** `promotion.promoted` by the engine, then `deployment.queued` by whoever asked for the promotion. */
export function promotedEvents(go: PromotionGo): EventRow[] {
  const { promotion, digest, deploymentId, now } = go;
  return [
    promotionEvent(promotion, 'promoted', {
      actor: go.actor,
      digest,
      reason: go.reason,
      deploymentId,
    }),
    queuedEvent(
      {
        id: deploymentId,
        entityRef: promotion.entityRef,
        environment: promotion.toEnvironment,
        trigger: promotion.trigger,
      },
      { actor: promotion.actor, digest, reason: promotion.reason },
    ),
  ].map(event => eventRow(event, now));
}

/** The rows of many evaluations' verdicts, and `gate.verdict` events for those that changed. */
export function verdictRows(writes: GateResultsWrite[]) {
  const rows: GateResultRow[] = [];
  const events: EventRow[] = [];
  for (const { promotion, digest, results, stored } of writes) {
    const before = new Map(stored.map(r => [r.gate, r]));
    for (const result of results) {
      const evaluatedAt = new Date(result.evaluatedAt);
      rows.push({
        promotion_id: promotion.id,
        gate: result.gate,
        verdict: result.verdict,
        errored: result.errored,
        reason: result.reason,
        evidence: result.evidence ? JSON.stringify(result.evidence) : null,
        evaluated_at: evaluatedAt,
      });
      const previous = before.get(result.gate);
      if (
        previous?.verdict === result.verdict &&
        previous.reason === result.reason
      ) {
        continue;
      }
      events.push(
        eventRow(
          {
            entityRef: promotion.entityRef,
            environment: promotion.toEnvironment,
            digest,
            kind: 'gate.verdict',
            actor: 'engine',
            details: {
              promotionId: promotion.id,
              gate: result.gate,
              verdict: result.verdict,
              errored: result.errored,
              reason: result.reason,
            },
          },
          evaluatedAt,
        ),
      );
    }
  }
  return { rows, events };
}
