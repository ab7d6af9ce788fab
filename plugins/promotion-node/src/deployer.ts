import type { Config } from '@backstage/config';
import type { Artifact } from '@internal/plugin-promotion-common';

/** Everything a deployer needs to put one artifact into one environment. */
export interface DeployRequest {
  /** The deployment id; the deployer must treat a repeated key as the same deployment. */
  idempotencyKey: string;
  entityRef: string;
  environment: string;
  artifact: Artifact;
  /** Environment variables of the target environment. */
  variables: Record<string, string>;
  /** Names of secrets the target environment references; values never pass through here. */
  secretRefs: string[];
  /** The environment's `deployerConfig` block from app-config, if any. */
  config?: Config;
}

/** What a deployer knows of a deployment. */
export type DeployStatus =
  | { state: 'running'; detail?: string }
  | { state: 'succeeded'; detail?: string }
  | { state: 'failed'; reason: string };

/**
 * Puts artifacts into environments. Both calls must be idempotent on
 * `idempotencyKey`: the engine retries after crashes and lease expiries.
 */
export interface Deployer {
  /** Starts (or re-attaches to) the deployment and reports where it is. */
  deploy(request: DeployRequest): Promise<DeployStatus>;
  /** Reports where an earlier `deploy` call is now. */
  status(request: DeployRequest): Promise<DeployStatus>;
}
