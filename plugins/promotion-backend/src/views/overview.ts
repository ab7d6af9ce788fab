import {
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  OverviewCalendar,
  OverviewMovement,
  OverviewPromotion,
  PromotionOverview,
  promotionApprovePermission,
  promotionReadPermission,
  sameEntityRef,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import type { ResourcePermission } from '@backstage/plugin-permission-common';
import { Pipelines } from '../config/pipelines';
import { OverviewStore } from '../database/OverviewStore';
import { ArtifactRecord, PromotionStore } from '../database/PromotionStore';
import { approvalOptionsOf, APPROVAL_GATE_NAME } from '../gates/approvalGate';
import { Calendars, WINDOW_GATE_NAME } from '../gates/window';
import { Caller, isSameUser } from '../service/access';
import { toRollbackView } from './rollbackViews';
import { laneCalendar } from './laneCalendar';

/** Most rows of each kind the overview reads; the page shows what is newest or oldest first. */
export const OVERVIEW_LIMIT = 200;
/** Most rollbacks the overview lists. */
export const OVERVIEW_ROLLBACK_LIMIT = 20;
const ROLLBACK_DAYS = 7;

/** What the overview needs. */
export interface OverviewDeps {
  store: PromotionStore;
  overview: OverviewStore;
  permissions: PermissionsService;
  userInfo: UserInfoService;
  pipelines: Pipelines;
  calendars: Calendars;
}

/**
 * Which of `entityRefs` the caller may act on with `permission`: one
 * conditional decision first (allow-all and deny-all need no more), then one
 * batch of per-entity decisions, which the permission framework resolves
 * against the catalog, as the catalog's own list endpoints filter.
 */
async function allowedRefs(
  permissions: PermissionsService,
  caller: Caller,
  permission: ResourcePermission<'catalog-entity'>,
  entityRefs: string[],
): Promise<Set<string>> {
  const unique = [...new Set(entityRefs)];
  const [overall] = await permissions.authorizeConditional([{ permission }], {
    credentials: caller.credentials,
  });
  if (overall.result === AuthorizeResult.DENY || unique.length === 0) {
    return new Set();
  }
  if (overall.result === AuthorizeResult.ALLOW) return new Set(unique);
  const decisions = await permissions.authorize(
    unique.map(resourceRef => ({ permission, resourceRef })),
    { credentials: caller.credentials },
  );
  return new Set(
    unique.filter((_, i) => decisions[i].result === AuthorizeResult.ALLOW),
  );
}

/** The groups a person belongs to; none when they cannot be read (fail closed). */
async function groupsOf(
  userInfo: UserInfoService,
  caller: Caller,
): Promise<string[]> {
  if (!caller.isPerson) return [];
  try {
    return (await userInfo.getUserInfo(caller.credentials)).ownershipEntityRefs;
  } catch {
    return [];
  }
}

/** Every calendar a window gate reads, with the environments it guards. */
function calendarsInUse(
  pipelines: Pipelines,
  calendars: Calendars,
  now: Date,
): OverviewCalendar[] {
  const byName = new Map<string, OverviewCalendar>();
  for (const pipeline of pipelines.values()) {
    for (const env of pipeline.environments) {
      if (!env.gates.some(g => g.name === WINDOW_GATE_NAME)) continue;
      const lane = laneCalendar(pipeline, env.name, calendars, now)!;
      const entry = byName.get(lane.name) ?? { ...lane, environments: [] };
      entry.environments.push(`${pipeline.name}/${env.name}`);
      byName.set(lane.name, entry);
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The org-wide overview for one caller: what waits for their approval, which
 * lines are stopped or frozen, what moves, and what was rolled back, over
 * the services they may read. Every read is bounded.
 */
export async function buildOverview(
  deps: OverviewDeps,
  caller: Caller,
  now: Date,
): Promise<PromotionOverview> {
  const { store, overview } = deps;
  const [mayReadAny] = await deps.permissions.authorizeConditional(
    [{ permission: promotionReadPermission }],
    { credentials: caller.credentials },
  );
  if (mayReadAny.result === AuthorizeResult.DENY) {
    return {
      generatedAt: now.toISOString(),
      approvals: [],
      stoppedLines: [],
      calendars: [],
      inFlight: [],
      rollbacks: [],
    };
  }
  const since = new Date(now.getTime() - ROLLBACK_DAYS * 24 * 3_600_000);
  const [pending, underWay, freezes, rollbackIds] = await Promise.all([
    overview.pendingPromotions(OVERVIEW_LIMIT),
    overview.deploymentsUnderWay(OVERVIEW_LIMIT),
    overview.activeFreezes(OVERVIEW_LIMIT),
    overview.recentRollbackIds(since, OVERVIEW_ROLLBACK_LIMIT),
  ]);
  const rollbackRecords = (
    await Promise.all(rollbackIds.map(id => store.decisions().getRollback(id)))
  ).filter(r => r !== undefined);
  const readable = await allowedRefs(
    deps.permissions,
    caller,
    promotionReadPermission,
    [
      ...pending.map(p => p.entityRef),
      ...underWay.map(d => d.entityRef),
      ...freezes.flatMap(f => (f.entityRef ? [f.entityRef] : [])),
      ...rollbackRecords.map(r => r.entityRef),
    ],
  );
  const mayRead = (ref: string) => readable.has(ref);
  const visiblePending = pending.filter(p => mayRead(p.entityRef));
  const visibleUnderWay = underWay.filter(d => mayRead(d.entityRef));
  const visibleRollbacks = rollbackRecords.filter(r => mayRead(r.entityRef));

  const artifacts: Map<string, ArtifactRecord> = await store.getArtifactsById([
    ...new Set([
      ...visiblePending.map(p => p.artifactId),
      ...visibleUnderWay.map(d => d.artifactId),
      ...visibleRollbacks.flatMap(r => [r.fromArtifactId, r.toArtifactId]),
    ]),
  ]);
  const gates = await store.listGateResults(visiblePending.map(p => p.id));
  const waitingOn = (id: string) =>
    (gates.get(id) ?? []).filter(g => g.verdict !== 'passed').map(g => g.gate);

  const promotions: OverviewPromotion[] = visiblePending.map(p => {
    const artifact = artifacts.get(p.artifactId)!;
    return {
      id: p.id,
      entityRef: p.entityRef,
      ...(p.fromEnvironment ? { fromEnvironment: p.fromEnvironment } : {}),
      toEnvironment: p.toEnvironment,
      artifact: {
        digest: artifact.digest,
        version: artifact.version,
        ...(artifact.author ? { author: artifact.author } : {}),
      },
      createdAt: p.createdAt.toISOString(),
      waitingOn: waitingOn(p.id),
    };
  });

  const pipelineOf = new Map(
    visiblePending.map(p => [p.id, artifacts.get(p.artifactId)!.pipeline]),
  );
  const approvals = await approvalsFor(deps, caller, promotions, pipelineOf);

  const inFlight: OverviewMovement[] = [
    ...promotions.map(
      (p): OverviewMovement => ({
        entityRef: p.entityRef,
        environment: p.toEnvironment,
        artifact: { digest: p.artifact.digest, version: p.artifact.version },
        stage: 'waiting',
        since: p.createdAt,
        waitingOn: p.waitingOn,
      }),
    ),
    ...visibleUnderWay.map(
      (d): OverviewMovement => ({
        entityRef: d.entityRef,
        environment: d.environment,
        artifact: {
          digest: artifacts.get(d.artifactId)!.digest,
          version: artifacts.get(d.artifactId)!.version,
        },
        stage: d.state,
        since: d.stateSince.toISOString(),
      }),
    ),
  ];

  return {
    generatedAt: now.toISOString(),
    approvals,
    // A freeze of every service stops lines the caller can read too.
    stoppedLines: freezes.filter(f => !f.entityRef || mayRead(f.entityRef)),
    calendars: calendarsInUse(deps.pipelines, deps.calendars, now),
    inFlight,
    rollbacks: visibleRollbacks.map(r => toRollbackView(r, artifacts)),
  };
}

/**
 * The pending promotions whose approval gate waits and which this caller may
 * approve: a person, not the author, not decided already, allowed
 * `promotion.approve` on the service, and a member of the gate's approvers
 * group when it names one (the same rule the approve command applies).
 */
async function approvalsFor(
  deps: OverviewDeps,
  caller: Caller,
  promotions: OverviewPromotion[],
  pipelineOf: Map<string, string>,
): Promise<OverviewPromotion[]> {
  if (!caller.isPerson) return [];
  const waiting = promotions.filter(
    p =>
      p.waitingOn.includes(APPROVAL_GATE_NAME) &&
      !isSameUser(caller, p.artifact.author),
  );
  if (waiting.length === 0) return [];
  const decided = await deps.store
    .decisions()
    .listApprovals(waiting.map(p => p.id));
  const undecided = waiting.filter(
    p =>
      !(decided.get(p.id) ?? []).some(a =>
        sameEntityRef(a.actor, caller.actor),
      ),
  );
  const approvable = await allowedRefs(
    deps.permissions,
    caller,
    promotionApprovePermission,
    undecided.map(p => p.entityRef),
  );
  const groups = await groupsOf(deps.userInfo, caller);
  return undecided.filter(p => {
    if (!approvable.has(p.entityRef)) return false;
    const env = deps.pipelines
      .get(pipelineOf.get(p.id) ?? '')
      ?.environments.find(e => e.name === p.toEnvironment);
    if (!env) return false;
    const group = approvalOptionsOf(env)?.group;
    return !group || groups.some(g => sameEntityRef(g, group));
  });
}
