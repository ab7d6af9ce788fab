import { releaseHoldRequestSchema } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { releaseHold as releaseHoldCommand } from '../../commands/holds';
import { audited, callerOf } from '../access';
import { serviceRefFromPath } from '../ServiceResolver';
import { parseInput } from '../validation';
import { OperationContext, PromotionRouter } from './context';

/** `POST .../holds/{holdId}/release` (ReleaseHold): let automation promote into the lane again. */
export function releaseHold(
  router: PromotionRouter,
  {
    httpAuth,
    auditor,
    store,
    authorizedService,
    engine,
    clock,
  }: Pick<
    OperationContext,
    'httpAuth' | 'auditor' | 'store' | 'authorizedService' | 'engine' | 'clock'
  >,
) {
  router.post(
    '/v1/services/:kind/:namespace/:name/holds/:holdId/release',
    async (req, res) => {
      const caller = await callerOf(httpAuth, req);
      const body = parseInput(releaseHoldRequestSchema, req.body ?? {});
      const entityRef = serviceRefFromPath(req.params);
      await audited(
        auditor,
        req,
        'hold-release',
        { entityRef, holdId: req.params.holdId },
        async () => {
          await releaseHoldCommand(
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
}
