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
    pipelineViews,
  }: Pick<
    OperationContext,
    | 'httpAuth'
    | 'authorizedService'
    | 'store'
    | 'views'
    | 'soakSamples'
    | 'calendars'
    | 'clock'
    | 'pipelineViews'
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
      // Read before the view is built, so a body is never older than its ETag.
      const etag = await pipelineEtag(
        views,
        service.entityRef,
        service.pipeline,
        calendars,
        now,
      );
      // The polling client sends its ETag back: 304 until something changed.
      res.setHeader('ETag', etag);
      res.setHeader('Cache-Control', 'private, no-cache');
      if (req.fresh) {
        res.status(304).end();
        return;
      }
      const build = async () => {
        // Typed against the operation's response, as res.json would check it.
        const view: Parameters<typeof res.json>[0] = plain(
          await buildPipelineView(
            { store, views, soakSamples, calendars },
            service.entityRef,
            service.pipeline,
            now,
          ),
        );
        return Buffer.from(JSON.stringify(view));
      };
      // Other callers polling the same service share one build per version.
      const body = pipelineViews
        ? await pipelineViews.get(service.entityRef, etag, build)
        : await build();
      // Bytes already serialized: the typed res.send takes only objects.
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(body);
    },
  );
}
