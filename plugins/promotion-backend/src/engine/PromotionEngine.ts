import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import type { GateResult } from '@internal/plugin-promotion-common';
import type {
  Deployer,
  DeployRequest,
  DeployStatus,
} from '@internal/plugin-promotion-node';
import { v4 as uuid } from 'uuid';
import {
  EnvironmentConfig,
  PipelineConfig,
  Pipelines,
} from '../config/pipelines';
import {
  ArtifactRecord,
  DeploymentRecord,
  NewArtifact,
  NewTestResult,
  PromotionRecord,
  PromotionStore,
} from '../database/PromotionStore';
import { GateRegistry } from '../gates/GateRegistry';
import { evaluateGate, worstVerdict } from '../gates/evaluateGate';
import { laneDeployments } from './lanes';

/**
 * Gates a rollback does not wait for. It must not wait out a freeze or a soak;
 * its artifact already passed tests, e2e and approval on its way into this
 * very environment, and the person rolling back holds the rollback permission.
 * The migration gate (and any gate a module adds) still runs.
 */
export const ROLLBACK_SKIPPED_GATES = [
  'soak',
  'window',
  'tests',
  'e2e',
  'approval',
];

/** The digest of a stored artifact, for audit events about other deployments. */
async function digestOf(store: PromotionStore, artifactId: string) {
  return (
    (await store.getArtifactsById([artifactId])).get(artifactId)?.digest ?? ''
  );
}

/**
 * Records on-call's answer to an automatic rollback, once, and closes its
 * page; 404 for an unknown or manual rollback, 409 when already answered.
 */
async function resolveAutoRollback(
  tx: PromotionStore,
  rollbackId: string,
  resolution: {
    decision: 'confirmed' | 'overridden';
    actor: string;
    comment?: string;
  },
  now: Date,
) {
  const rollback = await tx.decisions().getRollback(rollbackId);
  if (!rollback || rollback.trigger !== 'auto') {
    throw new NotFoundError(`No automatic rollback ${rollbackId}`);
  }
  if (!(await tx.decisions().resolveRollback(rollback.id, resolution, now))) {
    throw new ConflictError(
      `Rollback ${rollback.id} was already confirmed or overridden`,
    );
  }
  await tx.burnWatch().closeRollbackPage(rollback.id, now);
  return rollback;
}

/** The final status a deploy system reported through the status callback, if any. */
function reportedOutcome(
  deployment: DeploymentRecord,
): DeployStatus | undefined {
  const reason = deployment.reportedReason;
  switch (deployment.reportedState) {
    case 'succeeded':
      return { state: 'succeeded', detail: reason };
    case 'failed':
      return {
        state: 'failed',
        reason: reason
          ? `deploy system reported failure: ${reason}`
          : 'deploy system reported failure without a reason',
      };
    default:
      return undefined;
  }
}

/** Timing knobs of the engine; defaults suit production, tests shrink them. */
export interface EngineTimings {
  /** How long a worker owns a claimed row before another may take it over. */
  leaseMs: number;
  /** How often a pending promotion's gates are looked at again without an event. */
  gateRecheckMs: number;
  /** How often an in-flight deployment is polled. */
  deployPollMs: number;
  /** Longest a single gate may take. */
  gateTimeoutMs: number;
  /** Rows claimed per batch. */
  batchSize: number;
}

const DEFAULT_TIMINGS: EngineTimings = {
  leaseMs: 60_000,
  gateRecheckMs: 5_000,
  deployPollMs: 1_000,
  gateTimeoutMs: 10_000,
  batchSize: 20,
};

/** What the engine needs. */
export interface PromotionEngineOptions {
  store: PromotionStore;
  pipelines: Pipelines;
  deployers: Map<string, Deployer>;
  gates: GateRegistry;
  logger: LoggerService;
  clock?: () => Date;
  timings?: Partial<EngineTimings>;
  /** Told about every entity whose pipeline changed, e.g. to push a UI signal. */
  onChange?: (entityRef: string) => void;
  /** Told about gate verdicts that changed, to page or ask for approval. */
  notifier?: GateNotifier;
}

/** Reacts to gate verdicts (e.g. notify approvers, page on-call on an e2e failure). */
export type GateNotifier = (
  promotion: PromotionRecord,
  artifact: ArtifactRecord,
  results: GateResult[],
) => Promise<void>;

const ENGINE = 'engine';

/**
 * Moves artifacts through environments. All decisions are taken from stored
 * state, so any number of engines may run against one database and any of
 * them may die at any point: leases expire and compare-and-set transitions
 * make every step happen once.
 */
export class PromotionEngine {
  private readonly store: PromotionStore;
  private readonly pipelines: Pipelines;
  private readonly deployers: Map<string, Deployer>;
  private readonly gates: GateRegistry;
  private readonly logger: LoggerService;
  private readonly clock: () => Date;
  private readonly timings: EngineTimings;
  private readonly onChange?: (entityRef: string) => void;
  private readonly notifier?: GateNotifier;
  private readonly ticket = uuid();
  private draining?: Promise<void>;
  private dirty = false;
  private stopped = false;

  constructor(options: PromotionEngineOptions) {
    this.store = options.store;
    this.pipelines = options.pipelines;
    this.deployers = options.deployers;
    this.gates = options.gates;
    this.logger = options.logger;
    this.clock = options.clock ?? (() => new Date());
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.onChange = options.onChange;
    this.notifier = options.notifier;
  }

  /** The pipeline an artifact moves through, if it is still configured. */
  pipelineOf(artifact: ArtifactRecord): PipelineConfig | undefined {
    return this.pipelines.get(artifact.pipeline);
  }

  /**
   * Stores an artifact CI registered and, in the same transaction, starts its
   * journey with a promotion into the pipeline's first environment; a crash
   * can never leave a registered artifact that goes nowhere.
   */
  async registerArtifact(
    input: NewArtifact,
    testResults: NewTestResult[],
    actor: string,
  ): Promise<{ artifact: ArtifactRecord; created: boolean }> {
    const pipeline = this.pipelines.get(input.pipeline);
    if (!pipeline) {
      throw new Error(`pipeline '${input.pipeline}' is not configured`);
    }
    const now = this.clock();
    const result = await this.store.transaction(async tx => {
      const registered = await tx.registerArtifact(
        input,
        testResults,
        actor,
        now,
      );
      if (registered.created) {
        await tx.createPromotion(
          {
            entityRef: registered.artifact.entityRef,
            artifactId: registered.artifact.id,
            digest: registered.artifact.digest,
            toEnvironment: pipeline.environments[0].name,
            trigger: 'merge',
            actor,
          },
          now,
        );
      }
      return registered;
    });
    this.changed(input.entityRef);
    this.kick();
    return result;
  }

  /** Stores a test result and re-evaluates the artifact's waiting promotions at once. */
  async reportTestResult(
    artifact: ArtifactRecord,
    result: NewTestResult,
    actor: string,
  ): Promise<void> {
    const now = this.clock();
    await this.store.transaction(async tx => {
      await tx.addTestResult(artifact, result, actor, now);
      await tx.wakePromotions({ artifactId: artifact.id }, now);
    });
    this.changed(artifact.entityRef);
    this.kick();
  }

  /** Processes due work now instead of at the next scheduled tick. */
  kick(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (!this.draining) {
      this.draining = this.drain().finally(() => {
        this.draining = undefined;
      });
    }
  }

  /** One scheduled pass: everything due, including reclaiming expired leases. */
  async tick(): Promise<void> {
    this.kick();
    await this.draining;
  }

  /** Waits until no due work is left (for tests and shutdown). */
  async runUntilIdle(): Promise<void> {
    this.kick();
    while (this.draining) {
      await this.draining;
    }
  }

  /** Stops taking work and waits for the current pass. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.draining;
  }

  private async drain(): Promise<void> {
    // Keep going while the last pass found work or someone kicked meanwhile.
    for (let pass = 0; pass < 1000 && !this.stopped; pass++) {
      this.dirty = false;
      let worked = 0;
      try {
        worked = await this.runOnce();
      } catch (error) {
        this.logger.error(`Promotion engine pass failed: ${error}`);
        return;
      }
      if (worked === 0 && !this.dirty) return;
    }
  }

  /** Claims and processes one batch of due promotions and deployments. */
  async runOnce(): Promise<number> {
    const now = this.clock();
    const promotions = await this.store.claimPromotions(
      now,
      this.ticket,
      this.timings.leaseMs,
      this.timings.batchSize,
    );
    for (const promotion of promotions) {
      await this.guard(`promotion ${promotion.id}`, () =>
        this.processPromotion(promotion),
      );
    }
    const deployments = await this.store.claimDeployments(
      this.clock(),
      this.ticket,
      this.timings.leaseMs,
      this.timings.batchSize,
    );
    for (const deployment of deployments) {
      await this.guard(`deployment ${deployment.id}`, () =>
        this.processDeployment(deployment),
      );
    }
    return promotions.length + deployments.length;
  }

  private async guard(what: string, fn: () => Promise<void>) {
    try {
      await fn();
    } catch (error) {
      // The lease runs out and another pass retries from stored state.
      this.logger.warn(`Processing ${what} failed, will retry: ${error}`);
    }
  }

  private changed(entityRef: string) {
    try {
      this.onChange?.(entityRef);
    } catch {
      // A notification problem must never stop the engine.
    }
  }

  private environmentOf(
    artifact: ArtifactRecord,
    name: string,
  ):
    | { pipeline: PipelineConfig; env: EnvironmentConfig; index: number }
    | undefined {
    const pipeline = this.pipelineOf(artifact);
    const index = pipeline?.environments.findIndex(e => e.name === name) ?? -1;
    if (!pipeline || index < 0) return undefined;
    return { pipeline, env: pipeline.environments[index], index };
  }

  // --- promotions -----------------------------------------------------------

  private async processPromotion(promotion: PromotionRecord): Promise<void> {
    const now = this.clock();
    const artifact = (
      await this.store.getArtifactsById([promotion.artifactId])
    ).get(promotion.artifactId)!;
    const target = this.environmentOf(artifact, promotion.toEnvironment);
    const ctx = { actor: ENGINE, digest: artifact.digest };
    if (!target) {
      await this.store.transitionPromotion(
        promotion,
        'failed',
        {
          ...ctx,
          reason: `environment '${promotion.toEnvironment}' is not in pipeline '${artifact.pipeline}'`,
        },
        now,
      );
      this.changed(promotion.entityRef);
      return;
    }
    if (artifact.bad) {
      await this.store.transitionPromotion(
        promotion,
        'cancelled',
        {
          ...ctx,
          reason: `artifact is marked bad${
            artifact.badReason ? `: ${artifact.badReason}` : ''
          }`,
        },
        now,
      );
      this.changed(promotion.entityRef);
      return;
    }

    const source = await this.verifiedIn(
      promotion.entityRef,
      promotion.fromEnvironment,
    );
    if (
      promotion.fromEnvironment &&
      source?.artifactId !== promotion.artifactId
    ) {
      // The artifact no longer runs verified where it came from (rolled back
      // or replaced there): it may not move on from that environment.
      await this.store.transitionPromotion(
        promotion,
        'cancelled',
        {
          ...ctx,
          reason: `no longer verified in ${promotion.fromEnvironment}`,
        },
        now,
      );
      this.changed(promotion.entityRef);
      return;
    }
    const targetDeployment = await this.verifiedIn(
      promotion.entityRef,
      promotion.toEnvironment,
    );
    const targetArtifact = targetDeployment
      ? (await this.store.getArtifactsById([targetDeployment.artifactId])).get(
          targetDeployment.artifactId,
        )
      : undefined;
    const testResults = await this.store.listTestResults(artifact.id);
    const required = target.env.gates.filter(
      g =>
        promotion.trigger !== 'rollback' ||
        !ROLLBACK_SKIPPED_GATES.includes(g.name),
    );
    const results = await Promise.all(
      required.map(requirement =>
        evaluateGate(
          requirement.name,
          this.gates.get(requirement.name),
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
          this.timings.gateTimeoutMs,
        ),
      ),
    );
    const before = new Map(
      (
        (await this.store.listGateResults([promotion.id])).get(promotion.id) ??
        []
      ).map(r => [r.gate, r.verdict]),
    );
    if (promotion.trigger !== 'rollback') {
      const hold = await this.holdResult(promotion, now, before.has('hold'));
      if (hold) results.push(hold);
    }
    await this.store.saveGateResults(promotion, artifact.digest, results);
    await this.notifyGateChanges(
      promotion,
      artifact,
      results.filter(r => before.get(r.gate) !== r.verdict),
    );
    const verdict = worstVerdict(results);
    const finalFailure = results.find(r => r.final);
    if (finalFailure) {
      await this.store.transitionPromotion(
        promotion,
        'failed',
        { ...ctx, reason: `${finalFailure.gate}: ${finalFailure.reason}` },
        now,
      );
      this.changed(promotion.entityRef);
      return;
    }

    if (
      verdict !== 'passed' ||
      (!target.env.autoPromote && promotion.trigger === 'promotion')
    ) {
      await this.store.releasePromotion(
        promotion.id,
        this.ticket,
        new Date(now.getTime() + this.timings.gateRecheckMs),
        now,
      );
      this.changed(promotion.entityRef);
      return;
    }

    await this.store.transaction(async tx => {
      const deploymentId = uuid();
      const promoted = await tx.transitionPromotion(
        promotion,
        'promoted',
        { ...ctx, reason: 'all gates passed' },
        now,
        deploymentId,
      );
      if (!promoted) return;
      await tx.createDeployment(
        {
          entityRef: promotion.entityRef,
          environment: promotion.toEnvironment,
          artifactId: artifact.id,
          promotionId: promotion.id,
          trigger: promotion.trigger,
          actor: promotion.actor,
        },
        {
          ...ctx,
          actor: promotion.actor,
          reason: promotion.reason,
          details: { deploymentId },
        },
        now,
        deploymentId,
      );
    });
    this.changed(promotion.entityRef);
    this.dirty = true;
  }

  /** The deployment verified in an environment now, if any. */
  private async verifiedIn(
    entityRef: string,
    environment: string | undefined,
  ): Promise<DeploymentRecord | undefined> {
    if (!environment) return undefined;
    const page = await this.store.listDeployments(entityRef, {
      environment,
      states: ['verified'],
      limit: 1,
    });
    return page.items[0];
  }

  /**
   * After a rollback automation brings nothing into the lane, neither the
   * artifact rolled back nor a newer one, until someone releases the hold.
   * Shown as a gate only while a hold exists (or just went away).
   */
  private async holdResult(
    promotion: PromotionRecord,
    now: Date,
    shownBefore: boolean,
  ) {
    const holds = await this.store.decisions().listHolds(promotion.entityRef, {
      environment: promotion.toEnvironment,
    });
    const hold =
      holds.find(h => h.artifactId === promotion.artifactId) ?? holds[0];
    if (!hold && !shownBefore) return undefined;
    return {
      gate: 'hold',
      verdict: hold ? ('pending' as const) : ('passed' as const),
      errored: false,
      reason: hold
        ? `${promotion.toEnvironment} is held by ${hold.createdBy} since ${hold.digest} was ${hold.reason} (release the hold to promote again)`
        : 'hold released',
      evidence: hold ? { holdId: hold.id } : undefined,
      evaluatedAt: now.toISOString(),
    };
  }

  private async notifyGateChanges(
    promotion: PromotionRecord,
    artifact: ArtifactRecord,
    results: GateResult[],
  ) {
    if (!this.notifier) return;
    try {
      await this.notifier(promotion, artifact, results);
    } catch (error) {
      this.logger.warn(
        `Could not notify about promotion ${promotion.id}: ${error}`,
      );
    }
  }

  /**
   * Rolls one environment back to an earlier artifact: a promotion with
   * trigger `rollback` through the same path as any other, which skips the
   * soak and window gates but never the migration gate. The artifact rolled
   * back is held out of the environment until someone releases it.
   */
  async requestRollback(request: {
    entityRef: string;
    pipeline: PipelineConfig;
    environment: string;
    reason: string;
    actor: string;
    targetDigest?: string;
    trigger?: 'manual' | 'auto';
    detectedAt?: Date;
    evidence?: Record<string, unknown>;
    /** Refuse (409) unless this deployment is still the one serving the lane. */
    fromDeploymentId?: string;
    /** Runs in the rollback's transaction; throwing undoes the rollback. */
    within?: (tx: PromotionStore, promotion: PromotionRecord) => Promise<void>;
  }): Promise<{
    promotion: PromotionRecord;
    target: ArtifactRecord;
    from: ArtifactRecord;
  }> {
    const env = request.pipeline.environments.find(
      e => e.name === request.environment,
    );
    if (!env) {
      throw new NotFoundError(
        `Environment '${request.environment}' is not in pipeline '${request.pipeline.name}'`,
      );
    }
    const now = this.clock();
    const deployments = (
      await this.store.listDeployments(request.entityRef, {
        environment: env.name,
        limit: 500,
      })
    ).items;
    const artifacts = await this.store.getArtifactsById(
      deployments.map(d => d.artifactId),
    );
    const { current, previous } = laneDeployments(deployments, artifacts);
    if (!current) {
      throw new ConflictError(
        `Nothing runs in ${env.name}; there is nothing to roll back`,
      );
    }
    if (request.fromDeploymentId && current.id !== request.fromDeploymentId) {
      throw new ConflictError(
        `Deployment ${request.fromDeploymentId} no longer serves ${env.name}`,
      );
    }
    let target = previous ? artifacts.get(previous.artifactId) : undefined;
    if (request.targetDigest) {
      const earlier = deployments.find(
        d =>
          artifacts.get(d.artifactId)?.digest === request.targetDigest &&
          d.verifiedAt &&
          d.artifactId !== current.artifactId,
      );
      if (!earlier) {
        throw new ConflictError(
          `${request.targetDigest} never ran verified in ${env.name} before; a rollback returns to an artifact from that environment's history`,
        );
      }
      target = artifacts.get(earlier.artifactId);
    }
    if (!target) {
      throw new ConflictError(
        `${env.name} has no previous artifact to roll back to`,
      );
    }
    if (target.bad) {
      throw new ConflictError(
        `${target.digest} is marked bad and cannot be rolled back to`,
      );
    }
    const from = artifacts.get(current.artifactId)!;
    const rollbackTarget = target;
    const promotion = await this.store.transaction(async tx => {
      const created = await tx.createPromotion(
        {
          entityRef: request.entityRef,
          artifactId: rollbackTarget.id,
          digest: rollbackTarget.digest,
          toEnvironment: env.name,
          trigger: 'rollback',
          actor: request.actor,
          reason: request.reason,
        },
        now,
      );
      await tx.decisions().createRollback(
        {
          id: created.id,
          entityRef: request.entityRef,
          environment: env.name,
          fromArtifactId: from.id,
          toArtifactId: rollbackTarget.id,
          trigger: request.trigger ?? 'manual',
          actor: request.actor,
          reason: request.reason,
          evidence: request.evidence,
          detectedAt: request.detectedAt ?? now,
        },
        now,
      );
      const holdId = await tx.decisions().createHold(
        {
          entityRef: request.entityRef,
          environment: env.name,
          artifactId: from.id,
          reason: `rolled back: ${request.reason}`,
          createdBy: request.actor,
        },
        now,
      );
      await tx.appendEvent(
        {
          entityRef: request.entityRef,
          environment: env.name,
          digest: from.digest,
          kind: 'rollback.requested',
          actor: request.actor,
          details: {
            promotionId: created.id,
            to: rollbackTarget.digest,
            toVersion: rollbackTarget.version,
            reason: request.reason,
            trigger: request.trigger ?? 'manual',
          },
        },
        now,
      );
      await tx.appendEvent(
        {
          entityRef: request.entityRef,
          environment: env.name,
          digest: from.digest,
          kind: 'hold.created',
          actor: request.actor,
          details: { holdId, reason: request.reason },
        },
        now,
      );
      // What waits for the lane now waits behind the hold: show it at once.
      await tx.wakePromotions({ entityRef: request.entityRef }, now);
      await request.within?.(tx, created);
      return created;
    });
    this.changed(request.entityRef);
    this.kick();
    return { promotion, target: rollbackTarget, from };
  }

  /** On-call confirms an automatic rollback: it stands, and the page closes. */
  async confirmAutoRollback(request: {
    rollbackId: string;
    actor: string;
    comment?: string;
  }): Promise<void> {
    const now = this.clock();
    const entityRef = await this.store.transaction(async tx => {
      const rollback = await resolveAutoRollback(
        tx,
        request.rollbackId,
        { decision: 'confirmed', ...request },
        now,
      );
      await tx.appendEvent(
        {
          entityRef: rollback.entityRef,
          environment: rollback.environment,
          digest: await digestOf(tx, rollback.fromArtifactId),
          kind: 'autorollback.confirmed',
          actor: request.actor,
          details: { rollbackId: rollback.id, comment: request.comment },
        },
        now,
      );
      return rollback.entityRef;
    });
    this.changed(entityRef);
  }

  /**
   * On-call overrides an automatic rollback: the artifact it rolled back goes
   * back into the environment, released from its hold, as a promotion with
   * trigger `rollback` (so auto-rollback leaves that deployment alone and the
   * migration gate still runs).
   */
  async overrideAutoRollback(request: {
    rollbackId: string;
    actor: string;
    comment: string;
  }): Promise<PromotionRecord> {
    const now = this.clock();
    const promotion = await this.store.transaction(async tx => {
      const rollback = await resolveAutoRollback(
        tx,
        request.rollbackId,
        { decision: 'overridden', ...request },
        now,
      );
      const artifact = (
        await tx.getArtifactsById([rollback.fromArtifactId])
      ).get(rollback.fromArtifactId)!;
      if (artifact.bad) {
        throw new ConflictError(
          `${artifact.digest} is marked bad and cannot go back in`,
        );
      }
      const holds = await tx.decisions().listHolds(rollback.entityRef, {
        environment: rollback.environment,
        artifactId: artifact.id,
      });
      for (const hold of holds) {
        await tx
          .decisions()
          .releaseHold(hold.id, rollback.entityRef, request.actor, now);
        await tx.appendEvent(
          {
            entityRef: rollback.entityRef,
            environment: rollback.environment,
            digest: artifact.digest,
            kind: 'hold.released',
            actor: request.actor,
            details: { holdId: hold.id, reason: 'auto-rollback overridden' },
          },
          now,
        );
      }
      const created = await tx.createPromotion(
        {
          entityRef: rollback.entityRef,
          artifactId: artifact.id,
          digest: artifact.digest,
          toEnvironment: rollback.environment,
          trigger: 'rollback',
          actor: request.actor,
          reason: `override of automatic rollback: ${request.comment}`,
        },
        now,
      );
      await tx.appendEvent(
        {
          entityRef: rollback.entityRef,
          environment: rollback.environment,
          digest: artifact.digest,
          kind: 'autorollback.overridden',
          actor: request.actor,
          details: {
            rollbackId: rollback.id,
            promotionId: created.id,
            comment: request.comment,
          },
        },
        now,
      );
      return created;
    });
    this.changed(promotion.entityRef);
    this.kick();
    return promotion;
  }

  // --- deployments ----------------------------------------------------------

  private async processDeployment(deployment: DeploymentRecord): Promise<void> {
    const artifact = (
      await this.store.getArtifactsById([deployment.artifactId])
    ).get(deployment.artifactId)!;
    const target = this.environmentOf(artifact, deployment.environment);
    const now = this.clock();
    const ctx = { actor: ENGINE, digest: artifact.digest };
    if (!target) {
      await this.store.transitionDeployment(
        deployment,
        'failed',
        {},
        {
          ...ctx,
          reason: `environment '${deployment.environment}' is no longer configured`,
        },
        now,
      );
      this.changed(deployment.entityRef);
      return;
    }
    const deployer = this.deployers.get(target.env.deployer);
    if (!deployer) {
      await this.store.transitionDeployment(
        deployment,
        'failed',
        {},
        {
          ...ctx,
          reason: `deployer '${target.env.deployer}' is not installed`,
        },
        now,
      );
      this.changed(deployment.entityRef);
      return;
    }
    const request: DeployRequest = {
      idempotencyKey: deployment.id,
      entityRef: deployment.entityRef,
      environment: deployment.environment,
      artifact,
      variables: target.env.variables,
      secretRefs: target.env.secrets,
      config: target.env.deployerConfig,
    };

    switch (deployment.state) {
      case 'queued':
        await this.startDeployment(
          deployment,
          artifact,
          deployer,
          request,
          target.env,
        );
        return;
      case 'deploying':
        await this.watchDeploying(
          deployment,
          artifact,
          deployer,
          request,
          target.env,
        );
        return;
      case 'soaking':
        await this.watchSoaking(
          deployment,
          artifact,
          deployer,
          request,
          target,
        );
        return;
      default:
        return;
    }
  }

  private async startDeployment(
    deployment: DeploymentRecord,
    artifact: ArtifactRecord,
    deployer: Deployer,
    request: DeployRequest,
    env: EnvironmentConfig,
  ) {
    const now = this.clock();
    const ctx = { actor: ENGINE, digest: artifact.digest };
    const started = await this.store.transaction(async tx => {
      const inFlight = await tx.lockInFlight(
        deployment.entityRef,
        deployment.environment,
      );
      const self = inFlight.find(d => d.id === deployment.id);
      if (!self || self.state !== 'queued') return false;
      const isNewer = (d: DeploymentRecord) =>
        d.createdAt.getTime() > self.createdAt.getTime() ||
        (d.createdAt.getTime() === self.createdAt.getTime() && d.id > self.id);
      const newer = inFlight.filter(d => d.id !== self.id && isNewer(d));
      if (newer.length > 0) {
        const newerDigest = await digestOf(tx, newer[0].artifactId);
        await tx.transitionDeployment(
          self,
          'superseded',
          {},
          { ...ctx, reason: `superseded by ${newerDigest}` },
          now,
        );
        return false;
      }
      for (const other of inFlight) {
        if (other.id === self.id) continue;
        const otherDigest = await digestOf(tx, other.artifactId);
        await tx.transitionDeployment(
          other,
          'superseded',
          {},
          {
            actor: ENGINE,
            digest: otherDigest,
            reason: `superseded by ${artifact.digest}`,
          },
          now,
        );
      }
      return tx.transitionDeployment(
        self,
        'deploying',
        { deployStartedAt: now },
        ctx,
        now,
      );
    });
    if (!started) return;
    this.changed(deployment.entityRef);
    const current = (await this.store.getDeployment(deployment.id))!;
    await this.callDeploy(current, artifact, deployer, request, env);
  }

  private async callDeploy(
    deployment: DeploymentRecord,
    artifact: ArtifactRecord,
    deployer: Deployer,
    request: DeployRequest,
    env: EnvironmentConfig,
  ) {
    let status: DeployStatus;
    try {
      status = await deployer.deploy(request);
    } catch (error) {
      await this.store.countDeployCall(deployment.id, undefined);
      await this.retryLater(
        deployment,
        artifact,
        env,
        `deployer call failed: ${error}`,
      );
      return;
    }
    const acceptedAt = this.clock();
    await this.store.countDeployCall(deployment.id, acceptedAt);
    if (deployment.trigger === 'rollback' && deployment.promotionId) {
      await this.store
        .decisions()
        .markRollbackDispatched(deployment.promotionId, acceptedAt);
    }
    await this.applyDeployStatus(deployment, artifact, status, env);
  }

  private async watchDeploying(
    deployment: DeploymentRecord,
    artifact: ArtifactRecord,
    deployer: Deployer,
    request: DeployRequest,
    env: EnvironmentConfig,
  ) {
    const reported = reportedOutcome(deployment);
    if (reported) {
      // The callback is the deploy system's own word: no need to ask the deployer.
      await this.applyDeployStatus(deployment, artifact, reported, env);
      return;
    }
    if (!deployment.deployAcceptedAt) {
      // We crashed or the deployer failed before it accepted: ask again with
      // the same idempotency key, which the deployer treats as the same deployment.
      await this.callDeploy(deployment, artifact, deployer, request, env);
      return;
    }
    let status: DeployStatus;
    try {
      status = await deployer.status(request);
    } catch (error) {
      await this.retryLater(
        deployment,
        artifact,
        env,
        `deployer status failed: ${error}`,
      );
      return;
    }
    await this.applyDeployStatus(deployment, artifact, status, env);
  }

  private async applyDeployStatus(
    deployment: DeploymentRecord,
    artifact: ArtifactRecord,
    status: DeployStatus,
    env: EnvironmentConfig,
  ) {
    const now = this.clock();
    const ctx = { actor: ENGINE, digest: artifact.digest };
    if (status.state === 'succeeded') {
      await this.store.transitionDeployment(
        deployment,
        'soaking',
        {
          healthyAt: now,
          nextCheckAt: new Date(
            now.getTime() + Math.min(env.soakMs, this.timings.deployPollMs),
          ),
          attempts: 0,
        },
        { ...ctx, reason: status.detail },
        now,
      );
      this.changed(deployment.entityRef);
      this.dirty = true;
      return;
    }
    if (status.state === 'failed') {
      await this.store.transitionDeployment(
        deployment,
        'failed',
        {},
        { ...ctx, reason: status.reason || 'deployer reported failure' },
        now,
      );
      this.changed(deployment.entityRef);
      return;
    }
    if (this.timedOut(deployment, env, now)) {
      await this.failTimedOut(deployment, artifact, env, now);
      return;
    }
    await this.store.releaseDeployment(
      deployment.id,
      this.ticket,
      new Date(now.getTime() + this.timings.deployPollMs),
      0,
    );
  }

  private timedOut(
    deployment: DeploymentRecord,
    env: EnvironmentConfig,
    now: Date,
  ) {
    const started = deployment.deployStartedAt ?? deployment.createdAt;
    return now.getTime() - started.getTime() > env.deployTimeoutMs;
  }

  private async failTimedOut(
    deployment: DeploymentRecord,
    artifact: ArtifactRecord,
    env: EnvironmentConfig,
    now: Date,
  ) {
    await this.store.transitionDeployment(
      deployment,
      'failed',
      {},
      {
        actor: ENGINE,
        digest: artifact.digest,
        reason: `deployer did not finish within ${Math.round(
          env.deployTimeoutMs / 1000,
        )} s`,
      },
      now,
    );
    this.changed(deployment.entityRef);
  }

  private async retryLater(
    deployment: DeploymentRecord,
    artifact: ArtifactRecord,
    env: EnvironmentConfig,
    problem: string,
  ) {
    const now = this.clock();
    if (this.timedOut(deployment, env, now)) {
      await this.store.transitionDeployment(
        deployment,
        'failed',
        {},
        {
          actor: ENGINE,
          digest: artifact.digest,
          reason: `${problem}; gave up after the deploy timeout`,
        },
        now,
      );
      this.changed(deployment.entityRef);
      return;
    }
    const attempts = deployment.attempts + 1;
    const backoff = Math.min(
      this.timings.deployPollMs * 2 ** Math.min(attempts, 6),
      60_000,
    );
    this.logger.warn(
      `Deployment ${deployment.id}: ${problem}; retrying in ${backoff} ms`,
    );
    await this.store.releaseDeployment(
      deployment.id,
      this.ticket,
      new Date(now.getTime() + backoff),
      attempts,
    );
  }

  private async watchSoaking(
    deployment: DeploymentRecord,
    artifact: ArtifactRecord,
    deployer: Deployer,
    request: DeployRequest,
    target: { pipeline: PipelineConfig; env: EnvironmentConfig; index: number },
  ) {
    let status: DeployStatus;
    const reported = reportedOutcome(deployment);
    if (reported?.state === 'failed') {
      // The deploy system's own callback wins over asking the deployer.
      status = reported;
    } else {
      try {
        status = await deployer.status(request);
      } catch (error) {
        status = { state: 'running', detail: `status unknown: ${error}` };
      }
    }
    if (status.state === 'running' && status.awaitingCallback) {
      // A push-only deployer has no news; the deploy system already said the
      // artifact is up (that is how it got here), and no failure callback came.
      status = { state: 'succeeded' };
    }
    const now = this.clock();
    const ctx = { actor: ENGINE, digest: artifact.digest };
    if (status.state === 'failed') {
      await this.store.transitionDeployment(
        deployment,
        'failed',
        {},
        { ...ctx, reason: `failed during soak: ${status.reason}` },
        now,
      );
      this.changed(deployment.entityRef);
      return;
    }
    const soakEnds =
      (deployment.healthyAt ?? now).getTime() + target.env.soakMs;
    // Only a deployment the deployer still calls healthy may be verified;
    // "running" (unknown) keeps it soaking until it answers.
    if (now.getTime() < soakEnds || status.state !== 'succeeded') {
      await this.store.releaseDeployment(
        deployment.id,
        this.ticket,
        new Date(
          Math.min(
            Math.max(soakEnds, now.getTime() + 1),
            now.getTime() + this.timings.deployPollMs,
          ),
        ),
      );
      return;
    }
    await this.store.transaction(async tx => {
      const verified = await tx.transitionDeployment(
        deployment,
        'verified',
        { verifiedAt: now },
        { ...ctx, reason: `soaked ${Math.round(target.env.soakMs / 1000)} s` },
        now,
      );
      if (!verified) return;
      const older = await tx.listDeployments(deployment.entityRef, {
        environment: deployment.environment,
        states: ['verified'],
        limit: 100,
      });
      for (const other of older.items) {
        if (other.id === deployment.id) continue;
        const otherDigest = await digestOf(tx, other.artifactId);
        await tx.transitionDeployment(
          other,
          deployment.trigger === 'rollback' ? 'rolled_back' : 'superseded',
          {},
          {
            actor: ENGINE,
            digest: otherDigest,
            reason:
              deployment.trigger === 'rollback'
                ? `rolled back to ${artifact.digest}`
                : `replaced by ${artifact.digest}`,
          },
          now,
        );
      }
      const next = target.pipeline.environments[target.index + 1];
      if (next && deployment.trigger !== 'rollback') {
        await tx.createPromotion(
          {
            entityRef: deployment.entityRef,
            artifactId: artifact.id,
            digest: artifact.digest,
            fromEnvironment: deployment.environment,
            toEnvironment: next.name,
            trigger: 'promotion',
            actor: ENGINE,
          },
          now,
        );
      }
    });
    this.changed(deployment.entityRef);
    this.dirty = true;
  }
}
