import type { GateResultsWrite, PromotionGo } from './LaneStore';
import { eventRow } from './rows';
import type { EventRow, GateResultRow } from './tables';

// The rows the engine's batched lane writes insert (see `LaneStore`).

/** `promotion.promoted` by the engine, then `deployment.queued` by whoever asked for the promotion. */
export function promotedEvents(go: PromotionGo): EventRow[] {
  const { promotion, digest, deploymentId, now } = go;
  const event = (
    kind: string,
    actor: string,
    details: Record<string, unknown>,
  ) =>
    eventRow(
      {
        entityRef: promotion.entityRef,
        environment: promotion.toEnvironment,
        digest,
        kind,
        actor,
        details,
      },
      now,
    );
  return [
    event('promotion.promoted', go.actor, {
      promotionId: promotion.id,
      from: promotion.fromEnvironment,
      trigger: promotion.trigger,
      reason: go.reason,
      deploymentId,
    }),
    event('deployment.queued', promotion.actor, {
      deploymentId,
      trigger: promotion.trigger,
      reason: promotion.reason,
    }),
  ];
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
