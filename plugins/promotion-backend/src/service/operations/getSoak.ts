import { NotFoundError } from '@backstage/errors';
import { promotionReadPermission } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { soakOptionsForLane } from '../../gates/soak/soakOptions';
import { buildLaneSoakView } from '../../metrics/soakView';
import { callerOf } from '../access';
import { PromotionRouter } from './context';
import { SoakLaneContext, deploymentOf, handle, laneOf } from './soakLane';

/** `GET .../environments/{environment}/soak` (GetSoak): the soak graph of the lane's current deployment. */
export function getSoak(router: PromotionRouter, context: SoakLaneContext) {
  router.get(
    '/v1/services/:kind/:namespace/:name/environments/:environment/soak',
    handle(async (req, res) => {
      const caller = await callerOf(context.httpAuth, req);
      const { service, environment } = await laneOf(
        context,
        req.params,
        caller,
        promotionReadPermission,
      );
      const env = service.pipeline.environments.find(
        e => e.name === environment,
      );
      if (!soakOptionsForLane(service.pipeline, environment) && !env?.soakMs) {
        throw new NotFoundError(
          `${environment} has no soak in pipeline '${service.pipeline.name}': neither its own soak time nor a soak gate on the next environment`,
        );
      }
      const deployment = await deploymentOf(
        context,
        service.entityRef,
        environment,
      );
      const view = await buildLaneSoakView(
        context.soakSamples,
        service.pipeline,
        environment,
        deployment,
        context.clock(),
      );
      res.json(view);
    }),
  );
}
