import { NotFoundError } from '@backstage/errors';
import {
  digestSchema,
  promotionReadPermission,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import express from 'express';
import { z } from 'zod';
import { SAMPLE_SIGNALS, SampleSignal } from '../../metrics/SoakSampleStore';
import { Caller, authorize } from '../access';
import { serviceRefFromPath } from '../ServiceResolver';
import { OperationContext } from './context';

/** What the soak operations of a lane need; lookups are injected so they do not depend on the engine. */
export type SoakLaneContext = Pick<
  OperationContext,
  | 'httpAuth'
  | 'permissions'
  | 'soakSamples'
  | 'resolveService'
  | 'currentDeployment'
  | 'onSamplesPushed'
  | 'clock'
>;

/** Most samples one request may carry. */
export const MAX_SAMPLES_PER_REQUEST = 1000;
/** How far ahead of the server's clock a sample may be stamped (clock skew). */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/** Body of `POST .../environments/:environment/samples`. */
export const pushSamplesRequestSchema = z
  .object({
    samples: z
      .array(
        z
          .object({
            signal: z.enum(SAMPLE_SIGNALS as [SampleSignal, ...SampleSignal[]]),
            value: z.number().finite().min(0),
            at: z.string().datetime({ offset: true }).optional(),
          })
          .strict()
          .refine(s => s.signal !== 'errorRate' || s.value <= 1, {
            message:
              'errorRate is a fraction of requests and must be at most 1',
            path: ['value'],
          }),
      )
      .min(1)
      .max(MAX_SAMPLES_PER_REQUEST),
    /**
     * The artifact the samples were measured on. When given, samples of any
     * other artifact (e.g. the warm previous process) are refused with 409
     * instead of being counted against the current deployment.
     */
    digest: digestSchema.optional(),
  })
  .strict();

// Express 4 does not catch rejected promises; these routes also run on a
// plain router in their own tests.
export const handle =
  <P>(fn: (req: express.Request<P>, res: express.Response) => Promise<void>) =>
  (
    req: express.Request<P>,
    res: express.Response,
    next: express.NextFunction,
  ) =>
    fn(req, res).catch(next);

/** Resolves the service and checks the caller may act on it before saying anything about its lanes. */
export async function laneOf(
  context: SoakLaneContext,
  params: {
    kind: string;
    namespace: string;
    name: string;
    environment: string;
  },
  caller: Caller,
  permission: typeof promotionReadPermission,
) {
  // Permission first: a denied caller learns nothing about what exists.
  const entityRef = serviceRefFromPath(params);
  await authorize(context.permissions, caller, permission, entityRef);
  const service = await context.resolveService(entityRef);
  const environment = params.environment;
  if (!service.pipeline.environments.some(e => e.name === environment)) {
    throw new NotFoundError(
      `Environment '${environment}' is not in pipeline '${service.pipeline.name}' of ${service.entityRef}`,
    );
  }
  return { service, environment };
}

/** The deployment soaking or verified in the lane now; 404 when there is none. */
export async function deploymentOf(
  context: SoakLaneContext,
  entityRef: string,
  environment: string,
) {
  const deployment = await context.currentDeployment(entityRef, environment);
  if (!deployment) {
    throw new NotFoundError(
      `No deployment of ${entityRef} is soaking or verified in ${environment}`,
    );
  }
  return deployment;
}
