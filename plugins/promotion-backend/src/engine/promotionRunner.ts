import type {
  GateResult,
  HoldEvidence,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { v4 as uuid } from 'uuid';
import { ArtifactRecord, PromotionRecord } from '../database/PromotionStore';
import { evaluateGate } from '../gates/evaluateGate';
import { ROLLBACK_SKIPPED_GATES } from '../gates/rollbackPolicy';
import { ENGINE, EngineContext, environmentOf } from './context';
import { LaneReads } from '../database/laneReads';
import { GateResultsWrite } from '../database/LaneStore';
import { gatePages } from '../notify/gatePages';
import { precheckStep, promotionStep } from './promotionStep';

/**
 * After a rollback automation brings nothing into the lane, neither the
 * artifact rolled back nor a newer one, until someone releases the hold.
 * Shown as a gate only while a hold exists (or just went away).
 */
async function holdResult(
  reads: LaneReads,
  promotion: PromotionRecord,
  now: Date,
  shownBefore: boolean,
): Promise<GateResult | undefined> {
  const holds = await reads.holds({
    entityRef: promotion.entityRef,
    environment: promotion.toEnvironment,
  });
  const hold =
    holds.find(h => h.artifactId === promotion.artifactId) ?? holds[0];
  if (!hold && !shownBefore) return undefined;
  return {
    gate: 'hold',
    verdict: hold ? 'pending' : 'passed',
    errored: false,
    reason: hold
      ? `${promotion.toEnvironment} is held by ${hold.createdBy} since ${hold.digest} was ${hold.reason} (release the hold to promote again)`
      : 'hold released',
    evidence: hold ? ({ holdId: hold.id } satisfies HoldEvidence) : undefined,
    evaluatedAt: now.toISOString(),
    // Releasing the hold wakes the lane.
    ...(hold ? { nextCheckAt: 'event' } : {}),
  };
}

async function notifyGateChanges(
  ctx: EngineContext,
  promotion: PromotionRecord,
  artifact: ArtifactRecord,
  results: GateResult[],
) {
  if (!ctx.notifier || results.length === 0) return;
  try {
    await ctx.notifier(promotion, artifact, results);
  } catch (error) {
    ctx.logger.warn(
      `Could not notify about promotion ${promotion.id}: ${error}`,
    );
  }
}

/**
 * One look at a claimed pending promotion: read what it depends on, run its
 * gates (each with its own timeout, outside any transaction), decide, and
 * write the outcome with its due time.
 */
export async function runPromotion(
  ctx: EngineContext,
  promotion: PromotionRecord,
): Promise<void> {
  const { store, reads } = ctx;
  const now = ctx.clock();
  const verifiedIn = (environment: string | undefined) =>
    environment
      ? reads.verifiedIn({ entityRef: promotion.entityRef, environment })
      : Promise.resolve(undefined);
  // The snapshot: every lane evaluated now shares these queries.
  const [artifact, source, targetDeployment, stored, testResults] =
    await Promise.all([
      reads.artifact(promotion.artifactId),
      verifiedIn(promotion.fromEnvironment),
      verifiedIn(promotion.toEnvironment),
      reads.gateResults(promotion.id),
      reads.testResults(promotion.artifactId),
    ]);
  if (!artifact) throw new Error(`artifact ${promotion.artifactId} is gone`);
  const target = environmentOf(
    ctx.pipelines,
    artifact,
    promotion.toEnvironment,
  );
  const audit = { actor: ENGINE, digest: artifact.digest };
  const precheck = precheckStep({
    trigger: promotion.trigger,
    targetConfigured: Boolean(target),
    toEnvironment: promotion.toEnvironment,
    pipeline: artifact.pipeline,
    bad: artifact.bad ? { reason: artifact.badReason } : undefined,
    source: promotion.fromEnvironment
      ? {
          environment: promotion.fromEnvironment,
          stillVerified: source?.artifactId === promotion.artifactId,
        }
      : undefined,
  });
  if (precheck || !target) {
    await store.transitionPromotion(
      promotion,
      precheck?.kind === 'cancel' ? 'cancelled' : 'failed',
      { ...audit, reason: precheck?.reason },
      now,
    );
    ctx.changed(promotion.entityRef);
    return;
  }

  // Read beside the gates: it depends on nothing they decide.
  const holdRead =
    promotion.trigger === 'rollback'
      ? undefined
      : holdResult(
          reads,
          promotion,
          now,
          stored.some(r => r.gate === 'hold'),
        );
  const targetArtifact = targetDeployment
    ? await reads.artifact(targetDeployment.artifactId)
    : undefined;
  const required = target.env.gates.filter(
    g =>
      promotion.trigger !== 'rollback' ||
      !ROLLBACK_SKIPPED_GATES.includes(g.name),
  );
  const results = await Promise.all(
    required.map(requirement =>
      ctx.metrics.measureGate(requirement.name, () =>
        evaluateGate(
          requirement.name,
          ctx.gates.get(requirement.name),
          {
            promotionId: promotion.id,
            entityRef: promotion.entityRef,
            artifact,
            trigger: promotion.trigger,
            fromEnvironment: promotion.fromEnvironment,
            toEnvironment: promotion.toEnvironment,
            targetArtifact,
            sourceDeploymentId: source?.id,
            sourceVerifiedAt: source?.verifiedAt,
            testResults,
            options: requirement.options,
            now,
          },
          ctx.timings.gateTimeoutMs,
        ),
      ),
    ),
  );
  const before = new Map(stored.map(r => [r.gate, r.verdict]));

  const hold = await holdRead;
  if (hold) results.push(hold);
  const changed = results.filter(r => before.get(r.gate) !== r.verdict);
  const verdicts = { promotion, digest: artifact.digest, results, stored };
  const pages = gatePages(promotion, artifact, changed);
  const step = promotionStep(
    promotion.trigger,
    target.env.autoPromote,
    results,
    now,
    ctx.timings.gateRecheckMs,
  );
  // Batched with the other lanes promoted now: one transaction for all.
  const go = async (withVerdicts?: GateResultsWrite) => {
    await reads.promote({
      promotion,
      digest: artifact.digest,
      deploymentId: uuid(),
      actor: ENGINE,
      reason: 'all gates passed',
      now,
      verdicts: withVerdicts,
    });
    ctx.wake();
  };
  // A promotion that goes writes its verdicts with the promotion itself.
  const promoting = step.kind === 'promote' && pages.length === 0;
  if (promoting) {
    await go(verdicts);
  } else if (pages.length === 0) {
    await reads.saveGateResults(verdicts);
  } else {
    // A verdict that owes a page is written with it, outside the batch.
    await store.transaction(async tx => {
      await tx.lanes().saveGateResults([verdicts]);
      await tx.pages().enqueue(pages, now);
    });
    ctx.pagesOwed();
  }
  await notifyGateChanges(ctx, promotion, artifact, changed);

  if (step.kind === 'fail') {
    await store.transitionPromotion(
      promotion,
      'failed',
      { ...audit, reason: step.reason },
      now,
    );
  } else if (step.kind === 'wait') {
    // A wake that arrived while the gates ran is kept (the wake count moved).
    await reads.releasePromotion(
      {
        id: promotion.id,
        nextCheckAt: step.nextCheckAt,
        wakes: promotion.wakes,
      },
      ctx.ticket,
    );
  } else if (!promoting) {
    await go();
  }
  ctx.changed(promotion.entityRef);
}
