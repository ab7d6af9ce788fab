import {
  AuditorService,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import {
  confirmRollbackRequestSchema,
  overrideRollbackRequestSchema,
  promotionReadPermission,
  promotionRollbackPermission,
  singleLineSchema,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import express from 'express';
import { z } from 'zod';
import { PromotionStore } from '../database/PromotionStore';
import { PromotionEngine } from '../engine/PromotionEngine';
import {
  AuthorizedService,
  audited,
  callerOf,
  missingOrDenied,
} from './access';
import { listRollbackViews, toRollbackView } from '../views/rollbackViews';
import { serviceRefFromPath } from './ServiceResolver';
import { parseInput } from './validation';

/** What the rollback routes need. */
export interface RollbackRouteOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  store: PromotionStore;
  engine: PromotionEngine;
  authorizedService: AuthorizedService;
}

const listQuery = z
  .object({ environment: singleLineSchema(63).min(1).optional() })
  .strict();

/** The rollback history, and on-call's confirm or override of automatic rollbacks. */
export function mountRollbackRoutes(
  router: express.Router,
  options: RollbackRouteOptions,
) {
  const { httpAuth, permissions, auditor, store, engine, authorizedService } =
    options;

  router.get(
    '/v1/services/:kind/:namespace/:name/rollbacks',
    async (req, res) => {
      const caller = await callerOf(httpAuth, req);
      const query = parseInput(listQuery, req.query, 'query');
      const service = await authorizedService(
        caller,
        promotionReadPermission,
        serviceRefFromPath(req.params),
      );
      res.json({
        items: await listRollbackViews(
          store,
          service.entityRef,
          query.environment,
        ),
      });
    },
  );

  /** The automatic rollback named in the path, after checking the caller may act on it. */
  async function authorizedRollback(req: express.Request) {
    const caller = await callerOf(httpAuth, req);
    const rollback = await store.decisions().getRollback(req.params.rollbackId);
    if (!rollback || rollback.trigger !== 'auto') {
      return missingOrDenied(
        permissions,
        caller,
        promotionRollbackPermission,
        new NotFoundError(`No automatic rollback ${req.params.rollbackId}`),
      );
    }
    await authorizedService(
      caller,
      promotionRollbackPermission,
      rollback.entityRef,
    );
    return { caller, rollback };
  }

  router.post('/v1/rollbacks/:rollbackId/confirm', async (req, res) => {
    const body = parseInput(confirmRollbackRequestSchema, req.body ?? {});
    await audited(
      auditor,
      req,
      'auto-rollback-confirm',
      { rollbackId: req.params.rollbackId },
      async () => {
        const { caller, rollback } = await authorizedRollback(req);
        await engine.confirmAutoRollback({
          rollbackId: rollback.id,
          actor: caller.actor,
          comment: body.comment,
        });
        const confirmed = (await store.decisions().getRollback(rollback.id))!;
        const artifacts = await store.getArtifactsById([
          confirmed.fromArtifactId,
          confirmed.toArtifactId,
        ]);
        res.json(toRollbackView(confirmed, artifacts));
      },
    );
  });

  router.post('/v1/rollbacks/:rollbackId/override', async (req, res) => {
    const body = parseInput(overrideRollbackRequestSchema, req.body);
    await audited(
      auditor,
      req,
      'auto-rollback-override',
      { rollbackId: req.params.rollbackId },
      async () => {
        const { caller, rollback } = await authorizedRollback(req);
        const promotion = await engine.overrideAutoRollback({
          rollbackId: rollback.id,
          actor: caller.actor,
          comment: body.comment,
        });
        res.status(202).json({ promotionId: promotion.id });
      },
    );
  });
}
