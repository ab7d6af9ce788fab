import type { SoakView } from '@promotion-pipeline/backstage-plugin-promotion-common';
import type { PipelineConfig } from '../config/pipelines';
import { SoakOptions, soakOptionsForLane } from '../gates/soak/soakOptions';
import { PUSH_SOURCE, SOAK_SIGNALS, SoakSampleStore } from './SoakSampleStore';

/** The deployment a lane's samples belong to now. */
export interface CurrentDeployment {
  id: string;
  /** Digest of its artifact; stored with each sample. */
  digest: string;
  /** When it became verified in the lane, if it did. */
  verifiedAt?: Date;
  /** When the deployer first called it healthy: a time-only soak counts from there. */
  healthyAt?: Date;
}

/** Newest samples a soak view returns; a day at one a minute per signal fits. */
export const SOAK_VIEW_SAMPLE_LIMIT = 5000;

/**
 * The soak of a lane's deployment as the soak gate `soak` (on the next
 * environment) judges it, for the soak graph. A NaN sample goes out as
 * `null` in JSON: a sample without a value, which counted as a breach.
 */
export async function buildSoakView(
  samples: SoakSampleStore,
  soak: SoakOptions,
  deployment: CurrentDeployment,
  now: Date,
): Promise<SoakView> {
  const state = await samples.getSoakState(deployment.id);
  // The same start the gate uses: the later of verified and the last restart.
  const starts = [state?.windowStartedAt, deployment.verifiedAt]
    .filter((d): d is Date => d !== undefined)
    .map(d => d.getTime());
  const startedAt = starts.length ? new Date(Math.max(...starts)) : now;
  const list = await samples.listDeploymentSamples(deployment.id, {
    signals: SOAK_SIGNALS,
    source: soak.provider,
    limit: SOAK_VIEW_SAMPLE_LIMIT,
  });
  return {
    deploymentId: deployment.id,
    kind: 'metrics',
    startedAt: startedAt.toISOString(),
    requiredMs: soak.windowMs,
    thresholds: soak.thresholds,
    samples: list.map(toSample),
    ...(state?.lastBreachAt
      ? {
          lastBreach: {
            at: state.lastBreachAt.toISOString(),
            reason: state.lastBreachReason ?? 'threshold breached',
          },
        }
      : {}),
  };
}

function toSample(s: {
  signal: string;
  at: Date;
  value: number;
}): SoakView['samples'][number] {
  return {
    signal: s.signal as SoakView['samples'][number]['signal'],
    at: s.at.toISOString(),
    value: s.value,
  };
}

/**
 * The soak of a lane's deployment, whichever kind the lane has: the metrics
 * soak its next environment's soak gate judges, else its own time-only soak
 * with whatever samples the service pushed meanwhile. Undefined when the
 * lane has no soak at all.
 */
export async function buildLaneSoakView(
  samples: SoakSampleStore,
  pipeline: PipelineConfig,
  environment: string,
  deployment: CurrentDeployment,
  now: Date,
): Promise<SoakView | undefined> {
  const gated = soakOptionsForLane(pipeline, environment);
  if (gated) {
    return buildSoakView(samples, gated, deployment, now);
  }
  const env = pipeline.environments.find(e => e.name === environment);
  if (!env || env.soakMs <= 0) {
    return undefined;
  }
  const list = await samples.listDeploymentSamples(deployment.id, {
    signals: SOAK_SIGNALS,
    source: PUSH_SOURCE,
    limit: SOAK_VIEW_SAMPLE_LIMIT,
  });
  return {
    deploymentId: deployment.id,
    kind: 'time',
    startedAt: (deployment.healthyAt ?? now).toISOString(),
    requiredMs: env.soakMs,
    thresholds: {},
    samples: list.map(toSample),
  };
}
