import {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  digestSchema,
  promotionReadPermission,
  promotionRegisterPermission,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import express from 'express';
import { z } from 'zod';
import { PipelineConfig } from '../config/pipelines';
import { soakOptionsForLane } from '../gates/soak/soakOptions';
import {
  PUSH_SOURCE,
  SAMPLE_SIGNALS,
  SampleSignal,
  SoakSampleStore,
} from '../metrics/SoakSampleStore';
import { CurrentDeployment, buildLaneSoakView } from '../metrics/soakView';
import { Caller, authorize, callerOf } from './access';
import { serviceRefFromPath } from './ServiceResolver';
import { parseInput } from './validation';

/** What the metrics routes need; lookups are injected so the routes do not depend on the engine. */
export interface MetricsRoutesOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  samples: SoakSampleStore;
  /** Resolves a service and its pipeline; throws NotFoundError when it has none. */
  resolveService(
    entityRef: string,
  ): Promise<{ entityRef: string; pipeline: PipelineConfig }>;
  /** The deployment soaking in, or else verified in, the environment now. */
  currentDeployment(
    entityRef: string,
    environment: string,
  ): Promise<CurrentDeployment | undefined>;
  /** Told after a service pushed samples, e.g. to watch its burn rate at once. */
  onSamplesPushed?: (
    entityRef: string,
    pipeline: string,
    environment: string,
  ) => Promise<void>;
  now?: () => Date;
}

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

// Express 4 does not catch rejected promises; the routes must work on any router.
const handle =
  (fn: (req: express.Request, res: express.Response) => Promise<void>) =>
  (req: express.Request, res: express.Response, next: express.NextFunction) =>
    fn(req, res).catch(next);

const lanePath =
  '/v1/services/:kind/:namespace/:name/environments/:environment';

/**
 * Adds the push API for soak samples and the soak view of a lane:
 * `POST .../environments/:environment/samples` and
 * `GET .../environments/:environment/soak`.
 */
export function mountMetricsRoutes(
  router: express.Router,
  options: MetricsRoutesOptions,
): void {
  const { httpAuth, permissions, samples } = options;
  const clock = options.now ?? (() => new Date());

  /** Resolves the service and checks the caller may act on it before saying anything about its lanes. */
  async function laneOf(
    req: express.Request,
    caller: Caller,
    permission: typeof promotionReadPermission,
  ) {
    // Permission first: a denied caller learns nothing about what exists.
    const entityRef = serviceRefFromPath(req.params);
    await authorize(permissions, caller, permission, entityRef);
    const service = await options.resolveService(entityRef);
    const environment = req.params.environment;
    if (!service.pipeline.environments.some(e => e.name === environment)) {
      throw new NotFoundError(
        `Environment '${environment}' is not in pipeline '${service.pipeline.name}' of ${service.entityRef}`,
      );
    }
    return { service, environment };
  }

  async function deploymentOf(entityRef: string, environment: string) {
    const deployment = await options.currentDeployment(entityRef, environment);
    if (!deployment) {
      throw new NotFoundError(
        `No deployment of ${entityRef} is soaking or verified in ${environment}`,
      );
    }
    return deployment;
  }

  router.post(
    `${lanePath}/samples`,
    handle(async (req, res) => {
      // Who is asking comes first: an anonymous caller gets 401, not 400.
      const caller = await callerOf(httpAuth, req);
      const body = parseInput(pushSamplesRequestSchema, req.body);
      const now = clock();
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
        req,
        caller,
        promotionRegisterPermission,
      );
      const deployment = await deploymentOf(service.entityRef, environment);
      if (body.digest && body.digest !== deployment.digest) {
        throw new ConflictError(
          `${body.digest} is not the artifact running in ${environment} (${deployment.digest}); samples not stored`,
        );
      }
      const stored = await samples.appendSamples(
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
      await options.onSamplesPushed?.(
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

  router.get(
    `${lanePath}/soak`,
    handle(async (req, res) => {
      const caller = await callerOf(httpAuth, req);
      const { service, environment } = await laneOf(
        req,
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
      const deployment = await deploymentOf(service.entityRef, environment);
      const view = await buildLaneSoakView(
        samples,
        service.pipeline,
        environment,
        deployment,
        clock(),
      );
      res.json(view);
    }),
  );
}
