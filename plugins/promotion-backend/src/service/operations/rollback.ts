import {
  promotionRollbackPermission,
  rollbackRequestSchema,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { audited, callerOf } from '../access';
import { serviceRefFromPath } from '../ServiceResolver';
import { parseInput } from '../validation';
import { OperationContext, PromotionRouter } from './context';

/** `POST .../rollback` (Rollback): roll one environment back, by hand, with a reason. */
export function rollback(
  router: PromotionRouter,
  {
    httpAuth,
    auditor,
    authorizedService,
    engine,
  }: Pick<
    OperationContext,
    'httpAuth' | 'auditor' | 'authorizedService' | 'engine'
  >,
) {
  router.post(
    '/v1/services/:kind/:namespace/:name/rollback',
    async (req, res) => {
      const caller = await callerOf(httpAuth, req);
      const body = parseInput(rollbackRequestSchema, req.body);
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
}
