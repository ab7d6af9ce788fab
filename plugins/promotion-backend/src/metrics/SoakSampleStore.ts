import type { SoakSignal } from '@promotion-pipeline/backstage-plugin-promotion-common';

/** Signals a sample may carry: the soak's health signals and two request counters for SLO counts. */
export type SampleSignal = SoakSignal | 'requestsGood' | 'requestsTotal';

/** The health signals a soak watches, in display order. */
export const SOAK_SIGNALS: readonly SoakSignal[] = [
  'errorRate',
  'latency',
  'saturation',
];

/** Every signal a sample may carry. */
export const SAMPLE_SIGNALS: readonly SampleSignal[] = [
  ...SOAK_SIGNALS,
  'requestsGood',
  'requestsTotal',
];

/** The `source` of samples posted to the push API. */
export const PUSH_SOURCE = 'push';

/** One health sample of a deployment. `value` is NaN when the source had no number. */
export interface SoakSampleRecord {
  entityRef: string;
  environment: string;
  deploymentId: string;
  digest?: string;
  signal: SampleSignal;
  value: number;
  at: Date;
  /** `push`, or the name of the metrics provider the soak gate read it from. */
  source: string;
}

/** Filters for the samples of one deployment. */
export interface DeploymentSamplesQuery {
  signals?: readonly SampleSignal[];
  source?: string;
  /** Inclusive lower bound on `at`. */
  since?: Date;
  /** Inclusive upper bound on `at`. */
  until?: Date;
  /** Keep only the newest `limit` samples (still returned oldest first). */
  limit?: number;
}

/** The samples of one lane, across deployments, for the push provider. */
export interface LaneSamplesQuery {
  entityRef: string;
  environment: string;
  signals: readonly SampleSignal[];
  source: string;
  /** Only samples of deployments of this artifact digest. */
  digest?: string;
  /** Inclusive bounds on `at`. */
  since: Date;
  until: Date;
}

/** The soak clock of one deployment. */
export interface SoakState {
  deploymentId: string;
  /** Start of the current unbroken soak window. */
  windowStartedAt: Date;
  /** Time of the sample that last breached a threshold. */
  lastBreachAt?: Date;
  lastBreachReason?: string;
  updatedAt: Date;
}

/** Stores soak samples and soak clocks. */
export interface SoakSampleStore {
  /**
   * Appends samples; one already stored for the same deployment, signal,
   * time and source is kept as it is. Returns how many rows were new.
   */
  appendSamples(samples: readonly SoakSampleRecord[]): Promise<number>;
  /** Samples of one deployment, oldest first. */
  listDeploymentSamples(
    deploymentId: string,
    query?: DeploymentSamplesQuery,
  ): Promise<SoakSampleRecord[]>;
  /** Samples of one lane, oldest first. */
  listLaneSamples(query: LaneSamplesQuery): Promise<SoakSampleRecord[]>;
  getSoakState(deploymentId: string): Promise<SoakState | undefined>;
  /** Creates or replaces the soak clock of a deployment. */
  saveSoakState(state: SoakState): Promise<void>;
  /** Deletes samples measured before `cutoff`; returns how many. */
  deleteSamplesBefore(cutoff: Date): Promise<number>;
}
