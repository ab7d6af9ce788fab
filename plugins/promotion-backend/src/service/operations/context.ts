import {
  AuditorService,
  HttpAuthService,
  PermissionsService,
  RootHealthService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { RecordRefusal } from '../../commands/refusals';
import { PipelineConfig, Pipelines } from '../../config/pipelines';
import { OverviewStore } from '../../database/OverviewStore';
import { PromotionStore } from '../../database/PromotionStore';
import { ViewStore } from '../../database/ViewStore';
import { PromotionEngine } from '../../engine/PromotionEngine';
import { StatusCallbacks } from '../../engine/StatusCallbacks';
import { Calendars } from '../../gates/window';
import { SoakSampleStore } from '../../metrics';
import { CurrentDeployment } from '../../metrics/soakView';
import { PipelineViewCache } from '../../views/PipelineViewCache';
import type { ApiRouter } from '@backstage/backend-openapi-utils';
import { spec } from '../../schema/openapi/generated/router';
import { AuthorizedService } from '../access';

/** The plugin's express router, each route typed from its spec operation. */
export type PromotionRouter = ApiRouter<typeof spec>;

/** Everything an operation may bind to, built once per router. */
export interface OperationContext {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  userInfo: UserInfoService;
  store: PromotionStore;
  /** The views' own bounded reads. */
  views: ViewStore;
  /** Full pipeline answers reused while their ETag holds; without it every GET builds. */
  pipelineViews?: PipelineViewCache;
  engine: PromotionEngine;
  /** Resolves the service and checks the caller's permission on it. */
  authorizedService: AuthorizedService;
  recordRefusal: RecordRefusal;
  soakSamples: SoakSampleStore;
  /** Resolves a service and its pipeline; throws NotFoundError when it has none. */
  resolveService(
    entityRef: string,
  ): Promise<{ entityRef: string; pipeline: PipelineConfig }>;
  /** The deployment soaking in, or else verified in, an environment now. */
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
  /** Verifies and records deploy systems' status callbacks. */
  statusCallbacks: StatusCallbacks;
  /** Backend readiness for `/health`; without it `/health` always answers ok. */
  health?: RootHealthService;
  calendars?: Calendars;
  /** The org-wide overview's reads; no `/v1/overview` without them. */
  overview?: { store: OverviewStore; pipelines: Pipelines };
  clock: () => Date;
}

/**
 * Binds one operation of the spec to its handler: parse the request, call a
 * command or a view, shape the answer. An operation takes only the part of
 * the context it uses, so a test can bind it with just that.
 */
export type Operation = (
  router: PromotionRouter,
  context: OperationContext,
) => void;

/**
 * The same value as a plain object type. promotion-common's views are
 * interfaces, which TypeScript never lets stand for the spec's open JSON
 * objects (no index signature); the mapped copy is checked against the
 * operation's response schema field by field instead.
 */
export type Plain<T> = T extends Date
  ? T
  : T extends readonly (infer U)[]
  ? Plain<U>[]
  : T extends object
  ? { [K in keyof T]: Plain<T[K]> }
  : T;

/** A response body built from promotion-common's types, as a plain object type (no runtime change). */
export const plain = <T>(value: T): Plain<T> => value as Plain<T>;
