import type { Config } from '@backstage/config';
import type { Artifact } from '@promotion-pipeline/backstage-plugin-promotion-common';

/**
 * An earlier deployment of the same artifact in the same environment that the
 * engine expects to be still running (kept warm), so the deploy system can
 * switch traffic back to it instead of starting the artifact anew. It must
 * check the deployment still answers and deploy anew when it does not.
 */
export interface WarmDeployment {
  /** The earlier deployment's id (its idempotency key then). */
  deploymentId: string;
  /** Its artifact digest: the same as the request's artifact. */
  digest: string;
}

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
  /** On rollbacks: the earlier deployment of this artifact that may still run warm. */
  warm?: WarmDeployment;
}

/** What a deployer knows of a deployment. */
export type DeployStatus =
  | {
      state: 'running';
      detail?: string;
      /**
       * True when the deployer cannot look the deployment up and learns how
       * it goes only through status callbacks: "running" then means "no news",
       * not "not up yet", so a deployment already reported up stays up.
       */
      awaitingCallback?: boolean;
    }
  | { state: 'succeeded'; detail?: string }
  | { state: 'failed'; reason: string };

/** A status callback as it reached the backend, for the deployer to authenticate. */
export interface StatusCallback {
  /** The deployment the callback reports on (from the URL path). */
  deploymentId: string;
  /** Request headers, names in lower case. */
  headers: Record<string, string | undefined>;
  /** The request body bytes exactly as received; signatures cover these, not parsed JSON. */
  rawBody: Buffer;
  /** The backend's current time, for freshness checks. */
  now: Date;
}

/**
 * Puts artifacts into environments. Both calls must be idempotent on
 * `idempotencyKey`: the engine retries after crashes and lease expiries.
 */
export interface Deployer {
  /** Starts (or re-attaches to) the deployment and reports where it is. */
  deploy(request: DeployRequest): Promise<DeployStatus>;
  /** Reports where an earlier `deploy` call is now. */
  status(request: DeployRequest): Promise<DeployStatus>;
  /**
   * Present on deployers whose deploy system reports back through
   * `POST /v1/deployments/{id}/status`: true only when the callback proves it
   * comes from that deploy system (e.g. a valid, fresh signature). The route
   * needs no Backstage token, so this check is all that authenticates it.
   */
  verifyStatusCallback?(callback: StatusCallback): boolean;
}
