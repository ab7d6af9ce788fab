import { promotionReadPermission } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { eventsPage } from '../../views/pages';
import { callerOf } from '../access';
import { serviceRefFromPath } from '../ServiceResolver';
import { parseInput } from '../validation';
import { OperationContext, PromotionRouter, plain } from './context';
import { pageQuery } from './queries';

/** `GET .../events` (ListEvents): a page of the service's audit events, newest first. */
export function listEvents(
  router: PromotionRouter,
  {
    httpAuth,
    authorizedService,
    store,
  }: Pick<OperationContext, 'httpAuth' | 'authorizedService' | 'store'>,
) {
  router.get('/v1/services/:kind/:namespace/:name/events', async (req, res) => {
    const caller = await callerOf(httpAuth, req);
    const query = parseInput(pageQuery, req.query, 'query');
    const service = await authorizedService(
      caller,
      promotionReadPermission,
      serviceRefFromPath(req.params),
    );
    res.json(plain(await eventsPage(store, service.entityRef, query)));
  });
}
