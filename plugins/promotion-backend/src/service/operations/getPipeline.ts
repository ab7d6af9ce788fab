import { promotionReadPermission } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { pipelineEtag } from '../../views/pipelineEtag';
import { buildPipelineView } from '../../views/pipelineView';
import { callerOf } from '../access';
import { serviceRefFromPath } from '../ServiceResolver';
import { OperationContext, PromotionRouter, plain } from './context';

/** `GET .../pipeline` (GetPipeline): the pipeline tab's view, with an ETag for the polling client. */
export function getPipeline(
  router: PromotionRouter,
  {
    httpAuth,
    authorizedService,
    store,
    views,
    soakSamples,
    calendars,
    clock,
  }: Pick<
    OperationContext,
    | 'httpAuth'
    | 'authorizedService'
    | 'store'
    | 'views'
    | 'soakSamples'
    | 'calendars'
    | 'clock'
  >,
) {
  router.get(
    '/v1/services/:kind/:namespace/:name/pipeline',
    async (req, res) => {
      const caller = await callerOf(httpAuth, req);
      const service = await authorizedService(
        caller,
        promotionReadPermission,
        serviceRefFromPath(req.params),
      );
      const now = clock();
      // The polling client sends its ETag back: 304 until something changed.
      res.setHeader(
        'ETag',
        await pipelineEtag(
          views,
          service.entityRef,
          service.pipeline,
          calendars,
          now,
        ),
      );
      res.setHeader('Cache-Control', 'private, no-cache');
      if (req.fresh) {
        res.status(304).end();
        return;
      }
      res.json(
        plain(
          await buildPipelineView(
            { store, views, soakSamples, calendars },
            service.entityRef,
            service.pipeline,
            now,
          ),
        ),
      );
    },
  );
}
