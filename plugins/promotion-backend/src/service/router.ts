import {
  AuditorService,
  HttpAuthService,
  LoggerService,
  PermissionsService,
  RootHealthService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import {
  digestSchema,
  promotionReadPermission,
  promotionRegisterPermission,
  registerArtifactRequestSchema,
  reportTestResultRequestSchema,
  singleLineSchema,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import express from 'express';
import { z } from 'zod';
import { PromotionStore } from '../database/PromotionStore';
import { SERVING_DEPLOYMENT_STATES } from '../domain/states';
import { PromotionEngine } from '../engine/PromotionEngine';
import { createRefusalRecorder } from '../commands/refusals';
import { createOpenApiRouter } from '../schema/openapi/generated/router';
import { audited, callerOf, createAuthorizedService } from './access';
import { SoakSampleStore } from '../metrics';
import { mountDecisionRoutes } from './decisionRoutes';
import { mountMetricsRoutes } from './metricsRoutes';
import { mountRollbackRoutes } from './rollbackRoutes';
import {
  jsonKeepingRawBody,
  mountStatusCallbackRoutes,
} from './statusCallbackRoutes';
import { StatusCallbacks } from '../engine/StatusCallbacks';
import { ViewStore } from '../database/ViewStore';
import { computeDora } from '../views/dora';
import { deploymentsPage, eventsPage } from '../views/pages';
import { pipelineEtag } from '../views/pipelineEtag';
import { buildPipelineView } from '../views/pipelineView';
import { ServiceResolver, serviceRefFromPath } from './ServiceResolver';
import { parseInput, validateIdParams } from './validation';
import { Calendars } from '../gates/window';
import { OverviewStore } from '../database/OverviewStore';
import { Pipelines } from '../config/pipelines';
import { mountOverviewRoutes } from './overviewRoutes';

/** What the router needs. */
export interface RouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  logger: LoggerService;
  store: PromotionStore;
  /** The views' own bounded reads. */
  views: ViewStore;
  /** How long a caller's allowed read of a service is reused; 0 (default) asks every time. */
  readCacheTtlMs?: number;
  engine: PromotionEngine;
  resolver: ServiceResolver;
  soakSamples: SoakSampleStore;
  /** Told after a service pushed samples (the burn watch looks at once). */
  onSamplesPushed?: (
    entityRef: string,
    pipeline: string,
    environment: string,
  ) => Promise<void>;
  userInfo: UserInfoService;
  /** Verifies and records deploy systems' status callbacks. */
  statusCallbacks: StatusCallbacks;
  /** Backend readiness for `/health`; without it `/health` always answers ok. */
  health?: RootHealthService;
  /** Freeze calendars, so each lane shows its next freeze; none by default. */
  calendars?: Calendars;
  /** The org-wide overview's reads and the pipelines it judges approvals by; no `/v1/overview` without them. */
  overview?: { store: OverviewStore; pipelines: Pipelines };
  clock?: () => Date;
}

const pageQuery = z
  .object({
    cursor: singleLineSchema(40).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    environment: singleLineSchema(63).optional(),
    kind: singleLineSchema(64).optional(),
  })
  .strict();

/** Builds the plugin's HTTP API from its OpenAPI document. */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, permissions, auditor, store, engine, resolver } = options;
  const clock = options.clock ?? (() => new Date());
  const recordRefusal = createRefusalRecorder(store, clock, error =>
    options.logger.warn(`Could not record a refused action: ${error}`),
  );
  const authorizedService = createAuthorizedService(
    resolver,
    permissions,
    recordRefusal,
    options.readCacheTtlMs,
  );
  const router = await createOpenApiRouter({
    // Status callbacks are verified over the body bytes as sent.
    middleware: [jsonKeepingRawBody()],
  });
  validateIdParams(router);

  // Ready only once the whole backend started (every plugin and module
  // booted) and until it begins to stop; a plugin that answers alone is not
  // a working portal.
  router.get('/health', async (_req, res) => {
    const readiness = await options.health?.getReadiness();
    res
      .status(readiness?.status ?? 200)
      .json(readiness?.payload ?? { status: 'ok' });
  });

  router.post('/v1/artifacts', async (req, res) => {
    const caller = await callerOf(httpAuth, req);
    const body = parseInput(registerArtifactRequestSchema, req.body);
    const audit = await auditor.createEvent({
      eventId: 'artifact-register',
      request: req,
      meta: { entityRef: body.entityRef, digest: body.digest },
    });
    try {
      const service = await authorizedService(
        caller,
        promotionRegisterPermission,
        body.entityRef,
      );
      const { testResults, ...artifact } = body;
      const result = await engine.registerArtifact(
        {
          ...artifact,
          entityRef: service.entityRef,
          pipeline: service.pipeline.name,
        },
        testResults,
        caller.actor,
      );
      await audit.success({ meta: { created: result.created } });
      const { bad, badReason, pipeline, ...publicArtifact } = result.artifact;
      res.status(result.created ? 201 : 200).json({
        artifact: publicArtifact,
        created: result.created,
      });
    } catch (error) {
      await audit.fail({ error: error as Error });
      throw error;
    }
  });

  router.post('/v1/artifacts/:digest/test-results', async (req, res) => {
    const caller = await callerOf(httpAuth, req);
    const digest = parseInput(
      digestSchema,
      req.params.digest,
      'digest in path',
    );
    const body = parseInput(reportTestResultRequestSchema, req.body);
    await audited(
      auditor,
      req,
      'artifact-test-result',
      {
        entityRef: body.entityRef,
        digest,
        suite: body.suite,
        status: body.status,
      },
      async () => {
        const service = await authorizedService(
          caller,
          promotionRegisterPermission,
          body.entityRef,
        );
        const artifact = await store.getArtifact(service.entityRef, digest);
        if (!artifact) {
          throw new NotFoundError(
            `Artifact ${digest} of ${service.entityRef} is not registered`,
          );
        }
        const { entityRef, ...result } = body;
        await engine.reportTestResult(artifact, result, caller.actor);
        res.status(201).json({ status: 'stored' });
      },
    );
  });

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
          options.views,
          service.entityRef,
          service.pipeline,
          options.calendars,
          now,
        ),
      );
      res.setHeader('Cache-Control', 'private, no-cache');
      if (req.fresh) {
        res.status(304).end();
        return;
      }
      res.json(
        await buildPipelineView(
          {
            store,
            views: options.views,
            soakSamples: options.soakSamples,
            calendars: options.calendars,
          },
          service.entityRef,
          service.pipeline,
          now,
        ),
      );
    },
  );

  router.get(
    '/v1/services/:kind/:namespace/:name/deployments',
    async (req, res) => {
      const caller = await callerOf(httpAuth, req);
      const query = parseInput(
        pageQuery.omit({ kind: true }),
        req.query,
        'query',
      );
      const service = await authorizedService(
        caller,
        promotionReadPermission,
        serviceRefFromPath(req.params),
      );
      res.json(await deploymentsPage(store, service.entityRef, query));
    },
  );

  router.get('/v1/services/:kind/:namespace/:name/dora', async (req, res) => {
    const caller = await callerOf(httpAuth, req);
    const { days } = parseInput(
      z
        .object({ days: z.coerce.number().int().min(1).max(365).default(30) })
        .strict(),
      req.query,
      'query',
    );
    const service = await authorizedService(
      caller,
      promotionReadPermission,
      serviceRefFromPath(req.params),
    );
    res.json(
      await computeDora(
        store,
        options.views,
        service.entityRef,
        service.pipeline,
        days,
        clock(),
      ),
    );
  });

  mountDecisionRoutes(router, {
    httpAuth,
    permissions,
    auditor,
    store,
    engine,
    authorizedService,
    userInfo: options.userInfo,
    recordRefusal,
    clock,
  });
  mountStatusCallbackRoutes(router, {
    statusCallbacks: options.statusCallbacks,
    engine,
  });
  mountRollbackRoutes(router, {
    httpAuth,
    permissions,
    auditor,
    store,
    engine,
    authorizedService,
  });
  mountMetricsRoutes(router, {
    httpAuth,
    permissions,
    samples: options.soakSamples,
    onSamplesPushed: options.onSamplesPushed,
    now: clock,
    resolveService: entityRef => resolver.resolve(entityRef),
    currentDeployment: async (entityRef, environment) => {
      const { items } = await store.listDeployments(entityRef, {
        environment,
        states: [...SERVING_DEPLOYMENT_STATES],
        limit: 20,
        total: false,
      });
      const d =
        items.find(x => x.state === 'soaking') ??
        items.find(x => x.state === 'verified');
      if (!d) return undefined;
      const artifact = (await store.getArtifactsById([d.artifactId])).get(
        d.artifactId,
      );
      return (
        artifact && {
          id: d.id,
          digest: artifact.digest,
          verifiedAt: d.verifiedAt,
          healthyAt: d.healthyAt,
        }
      );
    },
  });

  if (options.overview) {
    mountOverviewRoutes(router, {
      httpAuth,
      permissions,
      userInfo: options.userInfo,
      store,
      overview: options.overview.store,
      pipelines: options.overview.pipelines,
      calendars: options.calendars ?? new Map(),
      clock,
    });
  }

  router.get('/v1/services/:kind/:namespace/:name/events', async (req, res) => {
    const caller = await callerOf(httpAuth, req);
    const query = parseInput(pageQuery, req.query, 'query');
    const service = await authorizedService(
      caller,
      promotionReadPermission,
      serviceRefFromPath(req.params),
    );
    res.json(await eventsPage(store, service.entityRef, query));
  });

  // Last: a path no route matched gets the same error body as every other
  // error, not the HTTP server's empty 404.
  router.use((req, _res) => {
    throw new NotFoundError(
      `No such API route: ${req.method} ${req.baseUrl}${req.path}`,
    );
  });

  return router;
}
