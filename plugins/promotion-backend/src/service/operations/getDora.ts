import { promotionReadPermission } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { z } from 'zod';
import { computeDora } from '../../views/dora';
import { callerOf } from '../access';
import { serviceRefFromPath } from '../ServiceResolver';
import { parseInput } from '../validation';
import { OperationContext, PromotionRouter, plain } from './context';

const doraQuery = z
  .object({ days: z.coerce.number().int().min(1).max(365).default(30) })
  .strict();

/** `GET .../dora` (GetDora): the service's DORA figures over the last `days` days. */
export function getDora(
  router: PromotionRouter,
  {
    httpAuth,
    authorizedService,
    store,
    views,
    clock,
  }: Pick<
    OperationContext,
    'httpAuth' | 'authorizedService' | 'store' | 'views' | 'clock'
  >,
) {
  router.get('/v1/services/:kind/:namespace/:name/dora', async (req, res) => {
    const caller = await callerOf(httpAuth, req);
    const { days } = parseInput(doraQuery, req.query, 'query');
    const service = await authorizedService(
      caller,
      promotionReadPermission,
      serviceRefFromPath(req.params),
    );
    res.json(
      plain(
        await computeDora(
          store,
          views,
          service.entityRef,
          service.pipeline,
          days,
          clock(),
        ),
      ),
    );
  });
}
