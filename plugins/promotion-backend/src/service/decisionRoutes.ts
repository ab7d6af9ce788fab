import {
  AuditorService,
  HttpAuthService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  decisionRequestSchema,
  digestSchema,
  freezeRequestSchema,
  markArtifactBadRequestSchema,
  releaseHoldRequestSchema,
  rollbackRequestSchema,
  promotionAdminPermission,
  promotionRollbackPermission,
} from '@internal/plugin-promotion-common';
import express from 'express';
import { PromotionStore } from '../database/PromotionStore';
import { PromotionEngine } from '../engine/PromotionEngine';
import { cancelRollback } from '../commands/cancelRollback';
import { decidePromotion } from '../commands/decidePromotion';
import { RecordRefusal } from '../commands/refusals';
import {
  AuthorizedService,
  audited,
  authorize,
  callerOf,
  missingOrDenied,
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
  recordRefusal: RecordRefusal;
  clock: () => Date;
}

// The request bodies are shared with the frontend client (promotion-common).
const comment = decisionRequestSchema;
const rollbackBody = rollbackRequestSchema;
const freezeBody = freezeRequestSchema;
const reasonBody = releaseHoldRequestSchema;
const badBody = markArtifactBadRequestSchema;

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
    recordRefusal,
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
          const promotion = await decidePromotion(
            {
              store,
              permissions,
              userInfo,
              recordRefusal,
              pipelineOf: artifact => engine.pipelineOf(artifact),
              wake: () => engine.kick(),
              clock,
            },
            {
              caller,
              promotionId: req.params.promotionId,
              decision,
              comment: body.comment,
            },
          );
          res.json(await promotionView(store, promotion));
        },
      );
    };

  router.post('/v1/promotions/:promotionId/approve', decide('approved'));
  router.post('/v1/promotions/:promotionId/reject', decide('rejected'));

  router.post('/v1/promotions/:promotionId/cancel', async (req, res) => {
    const caller = await callerOf(httpAuth, req);
    const body = parseInput(reasonBody, req.body ?? {});
    await audited(
      auditor,
      req,
      'rollback-cancel',
      { promotionId: req.params.promotionId },
      async () => {
        const promotion = await cancelRollback(
          {
            store,
            permissions,
            recordRefusal,
            wake: () => engine.kick(),
            clock,
          },
          {
            caller,
            promotionId: req.params.promotionId,
            reason: body.reason,
          },
        );
        res.json(await promotionView(store, promotion));
      },
    );
  });

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
        if (!freeze) {
          throw await missingOrDenied(
            permissions,
            caller,
            promotionAdminPermission,
            new NotFoundError(`No active freeze ${req.params.freezeId}`),
          );
        }
        // Not through the catalog: a freeze outlives its origin's entity.
        await authorize(
          permissions,
          caller,
          promotionAdminPermission,
          freeze.originEntityRef,
        ).catch(async error => {
          await recordRefusal({
            entityRef: freeze.originEntityRef,
            environment: freeze.environment,
            actor: caller.actor,
            action: 'freeze-lift',
            reason: (error as Error).message,
          });
          throw error;
        });
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
