import {
  AuditorService,
  HttpAuthService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  decisionRequestSchema,
  digestSchema,
  freezeRequestSchema,
  markArtifactBadRequestSchema,
  releaseHoldRequestSchema,
  rollbackRequestSchema,
  promotionRollbackPermission,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import express from 'express';
import { PromotionStore } from '../database/PromotionStore';
import { PromotionEngine } from '../engine/PromotionEngine';
import { cancelRollback } from '../commands/cancelRollback';
import { decidePromotion } from '../commands/decidePromotion';
import { createFreeze, liftFreeze } from '../commands/freezes';
import { releaseHold } from '../commands/holds';
import { markArtifactBad } from '../commands/markBad';
import { RecordRefusal } from '../commands/refusals';
import { AuthorizedService, audited, callerOf } from './access';
import { promotionView } from '../views/shapes';
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
          await releaseHold(
            { store, authorizedService, wake: () => engine.kick(), clock },
            {
              caller,
              entityRef,
              holdId: req.params.holdId,
              reason: body.reason,
            },
          );
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
          const freeze = await createFreeze(
            { store, authorizedService, clock },
            {
              caller,
              entityRef,
              environment: body.environment,
              reason: body.reason,
              allServices: body.allServices,
            },
          );
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
        await liftFreeze(
          {
            store,
            permissions,
            recordRefusal,
            wake: () => engine.kick(),
            clock,
          },
          { caller, freezeId: req.params.freezeId },
        );
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
          await markArtifactBad(
            { store, authorizedService, wake: () => engine.kick(), clock },
            { caller, entityRef, digest, reason: body.reason },
          );
          res.json({ status: 'marked bad' });
        },
      );
    },
  );
}
