import { ConflictError, InputError } from '@backstage/errors';
import { promotionRegisterPermission } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { PUSH_SOURCE } from '../../metrics/SoakSampleStore';
import { callerOf } from '../access';
import { parseInput } from '../validation';
import { PromotionRouter } from './context';
import {
  MAX_FUTURE_SKEW_MS,
  SoakLaneContext,
  deploymentOf,
  handle,
  laneOf,
  pushSamplesRequestSchema,
} from './soakLane';

/**
 * `POST .../environments/{environment}/samples` (PushSoakSamples): a service
 * pushes health samples of the deployment running in the lane.
 */
export function pushSoakSamples(
  router: PromotionRouter,
  context: SoakLaneContext,
) {
  router.post(
    '/v1/services/:kind/:namespace/:name/environments/:environment/samples',
    handle(async (req, res) => {
      // Who is asking comes first: an anonymous caller gets 401, not 400.
      const caller = await callerOf(context.httpAuth, req);
      const body = parseInput(pushSamplesRequestSchema, req.body);
      const now = context.clock();
      body.samples.forEach((sample, i) => {
        if (
          sample.at &&
          Date.parse(sample.at) > now.getTime() + MAX_FUTURE_SKEW_MS
        ) {
          throw new InputError(
            `Invalid request body: samples.${i}.at: must not be more than 5 minutes in the future`,
          );
        }
      });
      const { service, environment } = await laneOf(
        context,
        req.params,
        caller,
        promotionRegisterPermission,
      );
      const deployment = await deploymentOf(
        context,
        service.entityRef,
        environment,
      );
      if (body.digest && body.digest !== deployment.digest) {
        throw new ConflictError(
          `${body.digest} is not the artifact running in ${environment} (${deployment.digest}); samples not stored`,
        );
      }
      const stored = await context.soakSamples.appendSamples(
        body.samples.map(sample => ({
          entityRef: service.entityRef,
          environment,
          deploymentId: deployment.id,
          digest: deployment.digest,
          signal: sample.signal,
          value: sample.value,
          at: sample.at ? new Date(sample.at) : now,
          source: PUSH_SOURCE,
        })),
      );
      // Answered after the reading was judged, so a collector's push and
      // the rollback it triggers are one step.
      await context.onSamplesPushed?.(
        service.entityRef,
        service.pipeline.name,
        environment,
      );
      res.status(201).json({
        deploymentId: deployment.id,
        received: body.samples.length,
        // Fewer than received when a retry repeated samples already stored.
        stored,
      });
    }),
  );
}
