import {
  AuditorService,
  HttpAuthService,
  LoggerService,
  PermissionsService,
  RootHealthService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import express from 'express';
import { PromotionStore } from '../database/PromotionStore';
import { SERVING_DEPLOYMENT_STATES } from '../domain/states';
import { PromotionEngine } from '../engine/PromotionEngine';
import { createRefusalRecorder } from '../commands/refusals';
import { createOpenApiRouter } from '../schema/openapi/generated/router';
import { createAuthorizedService } from './access';
import { SoakSampleStore } from '../metrics';
import { CurrentDeployment } from '../metrics/soakView';
import { jsonKeepingRawBody } from './rawBody';
import { StatusCallbacks } from '../engine/StatusCallbacks';
import { ViewStore } from '../database/ViewStore';
import { PipelineViewCache } from '../views/PipelineViewCache';
import { ServiceResolver } from './ServiceResolver';
import { validateIdParams } from './validation';
import { Calendars } from '../gates/window';
import { OverviewStore } from '../database/OverviewStore';
import { Pipelines } from '../config/pipelines';
import { OPERATIONS, OperationContext } from './operations';

/** What the router needs. */
export interface RouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  logger: LoggerService;
  store: PromotionStore;
  /** The views' own bounded reads. */
  views: ViewStore;
  /**
   * How long a caller's allowed read of a service, and a service's full
   * pipeline answer under one ETag, are reused; 0 (default) asks every time.
   */
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

/** The deployment soaking in, or else verified in, the environment now. */
async function currentDeployment(
  store: PromotionStore,
  entityRef: string,
  environment: string,
): Promise<CurrentDeployment | undefined> {
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
}

/**
 * Builds the plugin's HTTP API: the router generated from the OpenAPI
 * document, with one binding per operation (`./operations`).
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { permissions, store, resolver } = options;
  const clock = options.clock ?? (() => new Date());
  const recordRefusal = createRefusalRecorder(store, clock, error =>
    options.logger.warn(`Could not record a refused action: ${error}`),
  );
  const context: OperationContext = {
    httpAuth: options.httpAuth,
    permissions,
    auditor: options.auditor,
    userInfo: options.userInfo,
    store,
    views: options.views,
    pipelineViews: new PipelineViewCache(options.readCacheTtlMs ?? 0),
    engine: options.engine,
    authorizedService: createAuthorizedService(
      resolver,
      permissions,
      recordRefusal,
      options.readCacheTtlMs,
    ),
    recordRefusal,
    soakSamples: options.soakSamples,
    resolveService: entityRef => resolver.resolve(entityRef),
    currentDeployment: (entityRef, environment) =>
      currentDeployment(store, entityRef, environment),
    onSamplesPushed: options.onSamplesPushed,
    statusCallbacks: options.statusCallbacks,
    health: options.health,
    calendars: options.calendars,
    overview: options.overview,
    clock,
  };
  const router = await createOpenApiRouter({
    // Status callbacks are verified over the body bytes as sent.
    middleware: [jsonKeepingRawBody()],
  });
  validateIdParams(router);

  for (const bind of Object.values(OPERATIONS)) {
    bind(router, context);
  }

  // Last: a path no route matched gets the same error body as every other
  // error, not the HTTP server's empty 404.
  router.use((req, _res) => {
    throw new NotFoundError(
      `No such API route: ${req.method} ${req.baseUrl}${req.path}`,
    );
  });

  return router;
}
