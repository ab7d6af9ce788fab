import type { SoakView } from '@promotion-pipeline/backstage-plugin-promotion-common';
import type { SoakOptions } from '../gates/soak/soakOptions';
import { SOAK_SIGNALS, SoakSampleStore } from './SoakSampleStore';

/** The deployment a lane's samples belong to now. */
export interface CurrentDeployment {
  id: string;
  /** Digest of its artifact; stored with each sample. */
  digest: string;
  /** When it became verified in the lane, if it did. */
  verifiedAt?: Date;
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
    startedAt: startedAt.toISOString(),
    requiredMs: soak.windowMs,
    thresholds: soak.thresholds,
    samples: list.map(s => ({
      signal: s.signal as SoakView['samples'][number]['signal'],
      at: s.at.toISOString(),
      value: s.value,
    })),
  };
}
