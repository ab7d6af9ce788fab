import { z } from 'zod';
import { buildOverview } from '../../views/overview';
import { callerOf } from '../access';
import { parseInput } from '../validation';
import { OperationContext, PromotionRouter, plain } from './context';

/**
 * `GET /v1/overview` (GetOverview): the org-wide Promotions page's data,
 * filtered to the services the caller may read (an empty overview, not 403,
 * for a caller who may read none: the page is the same for everyone).
 */
export function getOverview(
  router: PromotionRouter,
  {
    httpAuth,
    permissions,
    userInfo,
    store,
    overview,
    calendars,
    clock,
  }: Pick<
    OperationContext,
    | 'httpAuth'
    | 'permissions'
    | 'userInfo'
    | 'store'
    | 'overview'
    | 'calendars'
    | 'clock'
  >,
) {
  if (!overview) return;
  const deps = {
    store,
    overview: overview.store,
    pipelines: overview.pipelines,
    permissions,
    userInfo,
    calendars: calendars ?? new Map(),
  };
  router.get('/v1/overview', async (req, res) => {
    const caller = await callerOf(httpAuth, req);
    parseInput(z.object({}).strict(), req.query, 'query');
    res.json(plain(await buildOverview(deps, caller, clock())));
  });
}
