import type {
  EnvironmentLane,
  PipelineView,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { PipelineConfig } from '../config/pipelines';
import { PromotionStore } from '../database/PromotionStore';
import { ViewStore } from '../database/ViewStore';
import { isServing } from '../domain/states';
import { laneDeployments } from '../engine/lanes';
import { Calendars } from '../gates/window';
import { SoakSampleStore } from '../metrics';
import { buildLaneSoakView } from '../metrics/soakView';
import { laneCalendar } from './laneCalendar';
import { toRollbackView } from './rollbackViews';
import { toDeployment, toPromotion } from './shapes';

/** How many deployments the pipeline's history strip shows. */
export const RECENT_DEPLOYMENTS = 20;

/** Where a pipeline view reads from. */
export interface PipelineViewSources {
  store: PromotionStore;
  views: ViewStore;
  /** Without it, lanes carry no soak graph. */
  soakSamples?: SoakSampleStore;
  /** Freeze calendars of the window gates; none by default. */
  calendars?: Calendars;
}

/**
 * A service's pipeline view: each lane with what runs there, what ran before,
 * its pending promotion, holds, freezes, burn rate, unanswered automatic
 * rollback, soak graph and calendar, and the newest deployments. It reads in
 * four rounds of queries (one statement per kind of row, not per lane), each bounded by what it shows (never the
 * service's whole history), so its cost does not grow with history.
 */
export async function buildPipelineView(
  sources: PipelineViewSources,
  entityRef: string,
  pipeline: PipelineConfig,
  now: Date,
): Promise<PipelineView> {
  const { store, views } = sources;
  const names = pipeline.environments.map(e => e.name);
  const [live, recent, pending, holds, freezes, rollbacks] = await Promise.all([
    views.liveDeployments(entityRef, names),
    store.listDeployments(entityRef, {
      limit: RECENT_DEPLOYMENTS,
      total: false,
    }),
    store.listPromotions(entityRef, ['pending']),
    store.decisions().listHolds(entityRef),
    store.decisions().listFreezes(entityRef),
    views.newestRollbacks(entityRef, names),
  ]);
  const liveOf = (name: string) => live.filter(d => d.environment === name);
  // The warm previous deployment is never the artifact the lane serves.
  const previous = await views.previousDeployments(
    entityRef,
    names.map(environment => {
      const { current, verified } = laneDeployments(
        liveOf(environment),
        new Map(),
      );
      return {
        environment,
        exceptArtifactId: (verified ?? current)?.artifactId,
      };
    }),
  );
  const shown = [...live, ...recent.items, ...previous.values()];
  const pendingIds = pending.map(p => p.id);
  const [artifacts, gates, approvals] = await Promise.all([
    store.getArtifactsById([
      ...new Set([
        ...shown.map(d => d.artifactId),
        ...pending.map(p => p.artifactId),
        ...[...rollbacks.values()].flatMap(r => [
          r.fromArtifactId,
          r.toArtifactId,
        ]),
      ]),
    ]),
    store.listGateResults(pendingIds),
    store.decisions().listApprovals(pendingIds),
  ]);
  const lanes = names.map(name => {
    const warm = previous.get(name);
    return laneDeployments(
      [...liveOf(name), ...(warm ? [warm] : [])],
      artifacts,
    );
  });
  const currents = lanes.flatMap(l => (l.current ? [l.current] : []));
  const [watches, soaks] = await Promise.all([
    store.burnWatch().getMany(currents.map(d => d.id)),
    Promise.all(
      names.map((name, i) => {
        const current = lanes[i].current;
        if (!sources.soakSamples || !current || !isServing(current.state)) {
          return undefined;
        }
        return buildLaneSoakView(
          sources.soakSamples,
          pipeline,
          name,
          {
            id: current.id,
            digest: artifacts.get(current.artifactId)!.digest,
            verifiedAt: current.verifiedAt,
            healthyAt: current.healthyAt,
          },
          now,
        );
      }),
    ),
  ]);
  const environments: EnvironmentLane[] = pipeline.environments.map(
    (env, i) => {
      const { current, previous: warm } = lanes[i];
      const promotion = pending.find(p => p.toEnvironment === env.name);
      const lane: EnvironmentLane = {
        name: env.name,
        autoPromote: env.autoPromote,
        variables: env.variables,
        secretRefs: env.secrets,
        current: current && toDeployment(current, artifacts),
        previous: warm && toDeployment(warm, artifacts),
        promotion:
          promotion &&
          toPromotion(
            promotion,
            artifacts,
            gates.get(promotion.id) ?? [],
            approvals.get(promotion.id) ?? [],
          ),
        holds: holds
          .filter(h => h.environment === env.name)
          .map(({ artifactId, ...hold }) => hold),
        freezes: freezes.filter(f => f.environment === env.name),
      };
      lane.burnRate = current && watches.get(current.id)?.reading;
      // Only the newest rollback of the lane can still be waiting for on-call.
      const newest = rollbacks.get(env.name);
      if (newest?.trigger === 'auto' && !newest.resolution) {
        lane.autoRollback = toRollbackView(newest, artifacts);
      }
      if (soaks[i]) lane.soak = soaks[i];
      lane.calendar = laneCalendar(
        pipeline,
        env.name,
        sources.calendars ?? new Map(),
        now,
      );
      return lane;
    },
  );
  return {
    entityRef,
    pipeline: pipeline.name,
    environments,
    recentDeployments: recent.items.map(d => toDeployment(d, artifacts)),
  };
}
