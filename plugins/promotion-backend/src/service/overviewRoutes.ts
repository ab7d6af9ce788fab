import express from 'express';
import { z } from 'zod';
import { buildOverview, OverviewDeps } from '../views/overview';
import { callerOf } from './access';
import { parseInput } from './validation';
import { HttpAuthService } from '@backstage/backend-plugin-api';

/** What the overview route needs. */
export interface OverviewRoutesOptions extends OverviewDeps {
  httpAuth: HttpAuthService;
  clock: () => Date;
}

/**
 * `GET /v1/overview`: the org-wide Promotions page's data, filtered to the
 * services the caller may read (an empty overview, not 403, for a caller who
 * may read none: the page is the same for everyone).
 */
export function mountOverviewRoutes(
  router: express.Router,
  options: OverviewRoutesOptions,
): void {
  router.get('/v1/overview', async (req, res) => {
    const caller = await callerOf(options.httpAuth, req);
    parseInput(z.object({}).strict(), req.query, 'query');
    res.json(await buildOverview(options, caller, options.clock()));
  });
}
