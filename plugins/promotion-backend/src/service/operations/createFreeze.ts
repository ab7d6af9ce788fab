import { freezeRequestSchema } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { createFreeze as createFreezeCommand } from '../../commands/freezes';
import { audited, callerOf } from '../access';
import { serviceRefFromPath } from '../ServiceResolver';
import { parseInput } from '../validation';
import { OperationContext, PromotionRouter, plain } from './context';

/** `POST .../freezes` (CreateFreeze): stop the line into an environment, for one service or all. */
export function createFreeze(
  router: PromotionRouter,
  {
    httpAuth,
    auditor,
    store,
    authorizedService,
    clock,
  }: Pick<
    OperationContext,
    'httpAuth' | 'auditor' | 'store' | 'authorizedService' | 'clock'
  >,
) {
  router.post(
    '/v1/services/:kind/:namespace/:name/freezes',
    async (req, res) => {
      const caller = await callerOf(httpAuth, req);
      const body = parseInput(freezeRequestSchema, req.body);
      const entityRef = serviceRefFromPath(req.params);
      await audited(
        auditor,
        req,
        'freeze',
        { entityRef, environment: body.environment },
        async () => {
          const freeze = await createFreezeCommand(
            { store, authorizedService, clock },
            {
              caller,
              entityRef,
              environment: body.environment,
              reason: body.reason,
              allServices: body.allServices,
            },
          );
          res.status(201).json(plain(freeze));
        },
      );
    },
  );
}
