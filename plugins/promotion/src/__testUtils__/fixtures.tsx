import { ReactNode } from 'react';
import { RenderResult, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import {
  AlertApi,
  alertApiRef,
  identityApiRef,
} from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import {
  PROMOTION_PIPELINE_ANNOTATION,
  type Artifact,
  type Deployment,
  type DeploymentState,
  type PipelineView,
  type PromotionOverview,
  type RollbackView,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { PromotionApi, promotionApiRef } from '../api';

export const ENTITY_REF = 'component:default/checkout';
export const AUTHOR = 'user:default/alice';

/** A service entity, with the pipeline annotation unless told otherwise. */
export function serviceEntity(name = 'checkout', annotated = true): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: annotated
        ? { [PROMOTION_PIPELINE_ANNOTATION]: 'default' }
        : {},
    },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
  };
}

/** A digest of one repeated hex character. */
export const digest = (hex: string) => `sha256:${hex.repeat(64)}`;

const minutesAgo = (minutes: number) =>
  new Date(Date.now() - minutes * 60_000).toISOString();

export function artifact(version: string, hex: string): Artifact {
  return {
    id: `a-${version}`,
    entityRef: ENTITY_REF,
    digest: digest(hex),
    version,
    commit: `${hex.repeat(8)}cafe`,
    author: AUTHOR,
    labels: ['schema-migration'],
    changedPaths: [],
    registeredAt: minutesAgo(120),
  };
}

export function deployment(
  environment: string,
  version: string,
  hex: string,
  state: DeploymentState,
): Deployment {
  return {
    id: `d-${environment}-${version}`,
    entityRef: ENTITY_REF,
    environment,
    artifact: artifact(version, hex),
    state,
    trigger: environment === 'dev' ? 'merge' : 'promotion',
    actor: 'promotion-engine',
    stateSince: minutesAgo(11),
    createdAt: minutesAgo(20),
  };
}

/**
 * dev and staging run 1.4.0 (staging soaking), prod runs 1.3.0 and waits for
 * an approval to take 1.4.0; dev has no previous artifact.
 */
export function pipelineFixture(): PipelineView {
  const soakStart = minutesAgo(11.5);
  return {
    entityRef: ENTITY_REF,
    pipeline: 'default',
    environments: [
      {
        name: 'dev',
        autoPromote: true,
        variables: { LOG_LEVEL: 'debug' },
        secretRefs: [],
        current: deployment('dev', '1.4.0', 'b', 'verified'),
        holds: [],
        freezes: [],
      },
      {
        name: 'staging',
        autoPromote: true,
        variables: { API_URL: 'https://staging.example.com' },
        secretRefs: ['DB_PASSWORD'],
        current: deployment('staging', '1.4.0', 'b', 'soaking'),
        previous: deployment('staging', '1.3.0', 'a', 'superseded'),
        holds: [],
        freezes: [],
        soak: {
          deploymentId: 'd-staging-1.4.0',
          kind: 'metrics',
          startedAt: soakStart,
          requiredMs: 15 * 60_000,
          thresholds: { errorRate: 0.01, latency: 0.5 },
          samples: [
            { signal: 'errorRate', at: minutesAgo(10), value: 0.002 },
            { signal: 'errorRate', at: minutesAgo(5), value: 0.004 },
            { signal: 'latency', at: minutesAgo(10), value: 0.21 },
            { signal: 'latency', at: minutesAgo(5), value: 0.23 },
          ],
        },
      },
      {
        name: 'prod',
        autoPromote: false,
        variables: {},
        secretRefs: [],
        current: deployment('prod', '1.3.0', 'a', 'verified'),
        previous: deployment('prod', '1.2.0', 'c', 'superseded'),
        promotion: {
          id: 'p-1',
          entityRef: ENTITY_REF,
          artifact: artifact('1.4.0', 'b'),
          fromEnvironment: 'staging',
          toEnvironment: 'prod',
          trigger: 'promotion',
          state: 'pending',
          actor: 'promotion-engine',
          approvals: [],
          createdAt: minutesAgo(10),
          updatedAt: minutesAgo(1),
          gates: [
            {
              gate: 'tests',
              verdict: 'passed',
              reason: 'unit, integration, contract passed',
              errored: false,
              evaluatedAt: minutesAgo(1),
            },
            {
              gate: 'soak',
              verdict: 'pending',
              reason: 'soaking in staging',
              errored: false,
              evaluatedAt: minutesAgo(1),
            },
            {
              gate: 'migration',
              verdict: 'failed',
              reason: 'could not read schema history',
              errored: true,
              evaluatedAt: minutesAgo(1),
            },
            {
              gate: 'approval',
              verdict: 'pending',
              reason: 'needs approval: schema-migration',
              errored: false,
              evaluatedAt: minutesAgo(1),
            },
          ],
        },
        holds: [
          {
            id: 'h-1',
            entityRef: ENTITY_REF,
            environment: 'prod',
            digest: digest('d'),
            reason: 'rolled back: error rate',
            createdBy: 'user:default/bob',
            createdAt: minutesAgo(60),
          },
        ],
        freezes: [],
        burnRate: {
          objective: 0.999,
          evaluatedAt: minutesAgo(1),
          firing: false,
          blind: false,
          reason: 'within budget',
          windows: [
            {
              long: '1h',
              short: '5m',
              threshold: 14.4,
              longBurnRate: 0.5,
              shortBurnRate: 0.7,
            },
          ],
        },
      },
    ],
    recentDeployments: [],
  };
}

/**
 * prod rolled back automatically from 1.3.0 to 1.2.0 five minutes ago, fired
 * by the 1h/5m window pair, and waiting for on-call's answer.
 */
export function autoRollbackFixture(): RollbackView {
  return {
    id: 'rb-1',
    entityRef: ENTITY_REF,
    environment: 'prod',
    trigger: 'auto',
    from: { digest: digest('a'), version: '1.3.0' },
    to: { digest: digest('c'), version: '1.2.0' },
    actor: 'promotion-engine',
    reason: 'error budget burning 20x too fast (1h/5m)',
    evidence: {
      objective: 0.999,
      sustainMs: 120_000,
      windows: [
        {
          long: '1h',
          short: '5m',
          threshold: 14.4,
          longBurnRate: 20.04,
          shortBurnRate: 31.2,
          status: 'firing',
        },
        {
          long: '6h',
          short: '30m',
          threshold: 6,
          longBurnRate: 4.1,
          shortBurnRate: 7,
          status: 'ok',
        },
      ],
    },
    detectedAt: minutesAgo(5),
    dispatchedAt: minutesAgo(4.3),
    mttrSeconds: 42,
  };
}

/** The pipeline fixture with an unanswered automatic rollback in prod. */
export function pipelineWithAutoRollback(
  rollback: RollbackView = autoRollbackFixture(),
): PipelineView {
  const pipeline = pipelineFixture();
  const prod = pipeline.environments[2];
  prod.autoRollback = rollback;
  prod.current = {
    ...deployment('prod', '1.2.0', 'c', 'verified'),
    trigger: 'rollback',
  };
  prod.previous = deployment('prod', '1.3.0', 'a', 'rolled_back');
  return pipeline;
}

/** An org-wide overview with one of everything. */
export function overviewFixture(): PromotionOverview {
  return {
    generatedAt: new Date().toISOString(),
    approvals: [
      {
        id: 'p-approve',
        entityRef: 'component:default/payments',
        fromEnvironment: 'staging',
        toEnvironment: 'prod',
        artifact: { digest: digest('d'), version: '2.1.0', author: AUTHOR },
        createdAt: minutesAgo(12),
        waitingOn: ['approval'],
      },
    ],
    stoppedLines: [
      {
        id: 'f-1',
        entityRef: ENTITY_REF,
        environment: 'prod',
        reason: 'INC-42 payment outage',
        createdBy: 'user:default/carol',
        createdAt: minutesAgo(30),
      },
      {
        id: 'f-2',
        environment: 'staging',
        reason: 'Load test',
        createdBy: 'user:default/carol',
        createdAt: minutesAgo(5),
      },
    ],
    calendars: [
      {
        name: 'prod-calendar',
        timezone: 'Europe/Berlin',
        environments: ['standard/prod'],
        frozen: {
          rule: 'on-call-handoff',
          reason: 'On-call handoff hour',
          until: '2026-12-07T09:00:00.000Z',
        },
        nextFreeze: {
          rule: 'friday-afternoon',
          reason: 'No Friday-afternoon deploys',
          start: '2026-12-11T14:00:00.000Z',
          end: '2026-12-11T23:00:00.000Z',
        },
      },
    ],
    inFlight: [
      {
        entityRef: 'component:default/payments',
        environment: 'prod',
        artifact: { digest: digest('d'), version: '2.1.0' },
        stage: 'waiting',
        since: minutesAgo(12),
        waitingOn: ['approval'],
      },
      {
        entityRef: ENTITY_REF,
        environment: 'staging',
        artifact: { digest: digest('e'), version: '1.5.0' },
        stage: 'soaking',
        since: minutesAgo(1),
      },
    ],
    rollbacks: [{ ...autoRollbackFixture(), timeToRecoverSeconds: 7.5 }],
  };
}

/** A PromotionApi whose every method is a jest mock, answering with the fixtures. */
export function fakePromotionApi(
  pipeline: PipelineView = pipelineFixture(),
): jest.Mocked<PromotionApi> {
  const promotion = pipeline.environments[2]?.promotion;
  const api: PromotionApi = {
    getPipeline: async () => pipeline,
    listDeployments: async () => ({ items: [], totalCount: 0 }),
    listEvents: async () => ({ items: [], totalCount: 0 }),
    getDoraMetrics: async () => ({
      windowDays: 30,
      deploymentFrequencyPerDay: 2,
    }),
    approvePromotion: async () => promotion!,
    rejectPromotion: async () => promotion!,
    rollback: async () => ({ promotionId: 'p-2', targetDigest: digest('c') }),
    releaseHold: async () => undefined,
    createFreeze: async (entityRef, request) => ({
      id: 'f-1',
      entityRef,
      environment: request.environment,
      reason: request.reason,
      createdBy: 'user:default/test',
      createdAt: new Date().toISOString(),
    }),
    liftFreeze: async () => undefined,
    confirmRollback: async rollbackId => ({
      ...autoRollbackFixture(),
      id: rollbackId,
      resolution: {
        decision: 'confirmed',
        actor: 'user:default/carol',
        at: new Date().toISOString(),
      },
    }),
    overrideRollback: async () => ({ promotionId: 'p-3' }),
    listRollbacks: async () => ({ items: [autoRollbackFixture()] }),
    getOverview: async () => overviewFixture(),
  };
  for (const key of Object.keys(api) as Array<keyof PromotionApi>) {
    (api as any)[key] = jest.fn(api[key] as (...args: any[]) => any);
  }
  return api as jest.Mocked<PromotionApi>;
}

/** A permission API that denies the named permissions and allows the rest. */
export function permissionsDenying(...denied: string[]) {
  return mockApis.permission({
    authorize: request =>
      // The AuthorizeResult enum's values, without depending on permission-common here.
      (denied.includes(request.permission.name) ? 'DENY' : 'ALLOW') as any,
  });
}

let rendered = 0;

/** Renders `children` in a test app with the given APIs, inside an entity page. */
export async function renderWithApis(
  children: ReactNode,
  options: {
    api?: jest.Mocked<PromotionApi>;
    user?: string;
    denied?: string[];
    entity?: Entity;
  } = {},
): Promise<
  RenderResult & {
    api: jest.Mocked<PromotionApi>;
    alertApi: { post: jest.Mock };
    entityRef: string;
  }
> {
  const api = options.api ?? fakePromotionApi();
  // usePermission caches decisions per entity across renders (SWR): a fresh
  // entity per render keeps one test's permissions out of the next.
  const entity = options.entity ?? serviceEntity(`checkout-${++rendered}`);
  const alertApi = { post: jest.fn(), alert$: jest.fn() };
  const result = await renderInTestApp(
    <TestApiProvider
      apis={[
        [promotionApiRef, api],
        [permissionApiRef, permissionsDenying(...(options.denied ?? []))],
        [
          identityApiRef,
          mockApis.identity({
            userEntityRef: options.user ?? 'user:default/carol',
          }),
        ],
        [alertApiRef, alertApi as unknown as AlertApi],
      ]}
    >
      <EntityProvider entity={entity}>{children}</EntityProvider>
    </TestApiProvider>,
  );
  return { ...result, api, alertApi, entityRef: stringifyEntityRef(entity) };
}

/** Types into a field at once; key-by-key typing is slow on a full tab. */
export async function fillIn(field: HTMLElement, text: string) {
  await userEvent.click(field);
  await userEvent.paste(text);
}

/** The card of one lane; scoping queries to it keeps role queries fast. */
export async function findLane(environment: string) {
  return within(await screen.findByTestId(`lane-${environment}`));
}
