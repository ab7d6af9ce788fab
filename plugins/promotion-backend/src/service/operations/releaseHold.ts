import { releaseHoldRequestSchema } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { releaseHold as releaseHoldCommand } from '../../commands/holds';
import { audited, callerOf } from '../access';
import { serviceRefFromPath } from '../ServiceResolver';
import { parseInput } from '../validation';
import { PromotionRouter } from './context';
import { ServiceCommandContext, serviceCommandDeps } from './wakingCommand';

/** `POST .../holds/{holdId}/release` (ReleaseHold): let automation promote into the lane again. */
export function releaseHold(
  router: PromotionRouter,
  context: ServiceCommandContext,
) {
  const { httpAuth, auditor } = context;
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
          await releaseHoldCommand(serviceCommandDeps(context), {
            caller,
            entityRef,
            holdId: req.params.holdId,
            reason: body.reason,
          });
          res.json({ status: 'released' });
        },
      );
    },
  );
}
