import {
  AuditorService,
  HttpAuthService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  digestSchema,
  promotionAdminPermission,
  promotionApprovePermission,
  promotionRollbackPermission,
} from '@internal/plugin-promotion-common';
import express from 'express';
import { z } from 'zod';
import { PromotionStore } from '../database/PromotionStore';
import { PromotionEngine } from '../engine/PromotionEngine';
import { approvalOptionsOf } from '../gates/approvalGate';
import {
  AuthorizedService,
  audited,
  authorize,
  callerOf,
  requireGroupMember,
} from './access';
import { promotionView } from './PipelineViews';
import { serviceRefFromPath } from './ServiceResolver';
import { parseInput } from './validation';

/** What the human-action routes need. */
export interface DecisionRouteOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  store: PromotionStore;
  engine: PromotionEngine;
  authorizedService: AuthorizedService;
  /** Tells which groups an approver belongs to (the approval gate's `group`). */
  userInfo: UserInfoService;
  clock: () => Date;
}

const comment = z.object({ comment: z.string().max(2000).optional() }).strict();
const rollbackBody = z
  .object({
    environment: z.string().min(1).max(63),
    reason: z.string().trim().min(1, 'a reason is required').max(2000),
    targetDigest: digestSchema.optional(),
  })
  .strict();
const freezeBody = z
  .object({
    environment: z.string().min(1).max(63),
    reason: z.string().trim().min(1, 'a reason is required').max(2000),
    allServices: z.boolean().optional(),
  })
  .strict();
const reasonBody = z
  .object({ reason: z.string().trim().min(1).max(2000).optional() })
  .strict();
const badBody = z
  .object({
    reason: z.string().trim().min(1, 'a reason is required').max(2000),
  })
  .strict();

/** Approvals, rollbacks, holds, freezes and bad marks: every one permission-checked and audited. */
export function mountDecisionRoutes(
  router: express.Router,
  options: DecisionRouteOptions,
) {
  const {
    httpAuth,
    permissions,
    auditor,
    store,
    engine,
    authorizedService,
    userInfo,
    clock,
  } = options;

  const decide =
    (decision: 'approved' | 'rejected') =>
    async (req: express.Request, res: express.Response) => {
      const caller = await callerOf(httpAuth, req);
      const body = parseInput(comment, req.body ?? {});
      await audited(
        auditor,
        req,
        decision === 'approved' ? 'promotion-approve' : 'promotion-reject',
        { promotionId: req.params.promotionId },
        async () => {
          const promotion = await store.getPromotion(req.params.promotionId);
          if (!promotion)
            throw new NotFoundError(
              `Promotion ${req.params.promotionId} does not exist`,
            );
          const service = await authorizedService(
            caller,
            promotionApprovePermission,
            promotion.entityRef,
          );
          const artifact = (
            await store.getArtifactsById([promotion.artifactId])
          ).get(promotion.artifactId)!;
          if (artifact.author && artifact.author === caller.actor) {
            throw new NotAllowedError(
              `${caller.actor} is the author of ${
                artifact.version
              } and cannot ${
                decision === 'approved' ? 'approve' : 'reject'
              } it`,
            );
          }
          const approvers = (
            engine.pipelineOf(artifact) ?? service.pipeline
          ).environments.find(e => e.name === promotion.toEnvironment);
          const group = approvers && approvalOptionsOf(approvers)?.group;
          if (group) {
            await requireGroupMember(
              userInfo,
              caller,
              group,
              `${
                decision === 'approved' ? 'approve' : 'reject'
              } promotions into ${promotion.toEnvironment}`,
            );
          }
          if (promotion.state !== 'pending') {
            throw new ConflictError(
              `Promotion ${promotion.id} is ${promotion.state}; only pending promotions take decisions`,
            );
          }
          const now = clock();
          await store.transaction(async tx => {
            const added = await tx
              .decisions()
              .addApproval(
                promotion.id,
                { actor: caller.actor, decision, comment: body.comment },
                now,
              );
            if (!added)
              throw new ConflictError(
                `${caller.actor} already decided on promotion ${promotion.id}`,
              );
            await tx.appendEvent(
              {
                entityRef: promotion.entityRef,
                environment: promotion.toEnvironment,
                digest: artifact.digest,
                kind:
                  decision === 'approved'
                    ? 'approval.given'
                    : 'approval.rejected',
                actor: caller.actor,
                details: { promotionId: promotion.id, comment: body.comment },
              },
              now,
            );
            await tx.wakePromotions({ artifactId: promotion.artifactId }, now);
          });
          engine.kick();
          res.json(
            await promotionView(
              store,
              (await store.getPromotion(promotion.id))!,
            ),
          );
        },
      );
    };

  router.post('/v1/promotions/:promotionId/approve', decide('approved'));
  router.post('/v1/promotions/:promotionId/reject', decide('rejected'));

  router.post(
    '/v1/services/:kind/:namespace/:name/rollback',
    async (req, res) => {
      const caller = await callerOf(httpAuth, req);
      const body = parseInput(rollbackBody, req.body);
      const entityRef = serviceRefFromPath(req.params);
      await audited(
        auditor,
        req,
        'rollback',
        { entityRef, environment: body.environment },
        async () => {
          const service = await authorizedService(
            caller,
            promotionRollbackPermission,
            entityRef,
          );
          const { promotion, target } = await engine.requestRollback({
            entityRef: service.entityRef,
            pipeline: service.pipeline,
            environment: body.environment,
            reason: body.reason,
            actor: caller.actor,
            targetDigest: body.targetDigest,
          });
          res.status(202).json({
            promotionId: promotion.id,
            targetDigest: target.digest,
            targetVersion: target.version,
          });
        },
      );
    },
  );

  router.post(
    '/v1/services/:kind/:namespace/:name/holds/:holdId/release',
    async (req, res) => {
      const caller = await callerOf(httpAuth, req);
      const body = parseInput(reasonBody, req.body ?? {});
      const entityRef = serviceRefFromPath(req.params);
      await audited(
        auditor,
        req,
        'hold-release',
        { entityRef, holdId: req.params.holdId },
        async () => {
          const service = await authorizedService(
            caller,
            promotionAdminPermission,
            entityRef,
          );
          const now = clock();
          const hold = (
            await store.decisions().listHolds(service.entityRef)
          ).find(h => h.id === req.params.holdId);
          if (!hold)
            throw new NotFoundError(
              `No active hold ${req.params.holdId} on ${service.entityRef}`,
            );
          await store.transaction(async tx => {
            if (
              !(await tx
                .decisions()
                .releaseHold(hold.id, service.entityRef, caller.actor, now))
            ) {
              throw new ConflictError(`Hold ${hold.id} was released already`);
            }
            await tx.appendEvent(
              {
                entityRef: service.entityRef,
                environment: hold.environment,
                digest: hold.digest,
                kind: 'hold.released',
                actor: caller.actor,
                details: { holdId: hold.id, reason: body.reason },
              },
              now,
            );
            await tx.wakePromotions({ entityRef: service.entityRef }, now);
          });
          engine.kick();
          res.json({ status: 'released' });
        },
      );
    },
  );

  router.post(
    '/v1/services/:kind/:namespace/:name/freezes',
    async (req, res) => {
      const caller = await callerOf(httpAuth, req);
      const body = parseInput(freezeBody, req.body);
      const entityRef = serviceRefFromPath(req.params);
      await audited(
        auditor,
        req,
        'freeze',
        { entityRef, environment: body.environment },
        async () => {
          const service = await authorizedService(
            caller,
            promotionAdminPermission,
            entityRef,
          );
          if (
            !service.pipeline.environments.some(
              e => e.name === body.environment,
            )
          ) {
            throw new NotFoundError(
              `Environment '${body.environment}' is not in pipeline '${service.pipeline.name}'`,
            );
          }
          const now = clock();
          const freeze = await store.transaction(async tx => {
            const created = await tx.decisions().createFreeze(
              {
                entityRef: body.allServices ? undefined : service.entityRef,
                originEntityRef: service.entityRef,
                environment: body.environment,
                reason: body.reason,
                createdBy: caller.actor,
              },
              now,
            );
            await tx.appendEvent(
              {
                entityRef: service.entityRef,
                environment: body.environment,
                kind: 'freeze.created',
                actor: caller.actor,
                details: {
                  freezeId: created.id,
                  reason: body.reason,
                  allServices: Boolean(body.allServices),
                },
              },
              now,
            );
            return created;
          });
          res.status(201).json(freeze);
        },
      );
    },
  );

  router.delete('/v1/freezes/:freezeId', async (req, res) => {
    const caller = await callerOf(httpAuth, req);
    await audited(
      auditor,
      req,
      'freeze-lift',
      { freezeId: req.params.freezeId },
      async () => {
        const freeze = await store.decisions().getFreeze(req.params.freezeId);
        if (!freeze)
          throw new NotFoundError(`No active freeze ${req.params.freezeId}`);
        await authorize(
          permissions,
          caller,
          promotionAdminPermission,
          freeze.originEntityRef,
        );
        const now = clock();
        await store.transaction(async tx => {
          if (
            !(await tx.decisions().liftFreeze(freeze.id, caller.actor, now))
          ) {
            throw new ConflictError(`Freeze ${freeze.id} was lifted already`);
          }
          await tx.appendEvent(
            {
              entityRef: freeze.originEntityRef,
              environment: freeze.environment,
              kind: 'freeze.lifted',
              actor: caller.actor,
              details: { freezeId: freeze.id, reason: freeze.reason },
            },
            now,
          );
          await tx.wakePromotions(
            freeze.entityRef ? { entityRef: freeze.entityRef } : {},
            now,
          );
        });
        engine.kick();
        res.status(204).end();
      },
    );
  });

  router.post(
    '/v1/services/:kind/:namespace/:name/artifacts/:digest/bad',
    async (req, res) => {
      const caller = await callerOf(httpAuth, req);
      const digest = parseInput(
        digestSchema,
        req.params.digest,
        'digest in path',
      );
      const body = parseInput(badBody, req.body);
      const entityRef = serviceRefFromPath(req.params);
      await audited(
        auditor,
        req,
        'artifact-mark-bad',
        { entityRef, digest },
        async () => {
          const service = await authorizedService(
            caller,
            promotionAdminPermission,
            entityRef,
          );
          const artifact = await store.getArtifact(service.entityRef, digest);
          if (!artifact)
            throw new NotFoundError(
              `Artifact ${digest} of ${service.entityRef} is not registered`,
            );
          const now = clock();
          const marked = await store.markArtifactBad(
            artifact.id,
            body.reason,
            { actor: caller.actor, digest, entityRef: service.entityRef },
            now,
          );
          if (!marked)
            throw new ConflictError(`${digest} is marked bad already`);
          await store.wakePromotions({ artifactId: artifact.id }, now);
          engine.kick();
          res.json({ status: 'marked bad' });
        },
      );
    },
  );
}
