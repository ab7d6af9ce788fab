import type {
  Deployer,
  DeployRequest,
  DeployStatus,
} from '@promotion-pipeline/backstage-plugin-promotion-node';

/**
 * A deploy system at the edge of the world we control: it records every call
 * and counts a deployment once per idempotency key, as a real deploy system
 * honouring the key would.
 */
export class FakeDeployer implements Deployer {
  readonly calls: DeployRequest[] = [];
  readonly deployedKeys = new Map<string, number>();
  /** How many status polls a deployment stays `running` before it succeeds. */
  pollsUntilReady = 0;
  private readonly polls = new Map<string, number>();
  private readonly outcomes = new Map<string, DeployStatus>();

  /** Makes deployments of this digest end with the given status. */
  setOutcome(digest: string, status: DeployStatus) {
    this.outcomes.set(digest, status);
  }

  async deploy(request: DeployRequest): Promise<DeployStatus> {
    this.calls.push(request);
    this.deployedKeys.set(
      request.idempotencyKey,
      (this.deployedKeys.get(request.idempotencyKey) ?? 0) + 1,
    );
    return this.status(request);
  }

  async status(request: DeployRequest): Promise<DeployStatus> {
    const outcome = this.outcomes.get(request.artifact.digest);
    if (outcome) return outcome;
    const polls = (this.polls.get(request.idempotencyKey) ?? 0) + 1;
    this.polls.set(request.idempotencyKey, polls);
    return polls > this.pollsUntilReady
      ? { state: 'succeeded' }
      : { state: 'running' };
  }

  /** Distinct deployments made, by entity and environment. */
  deploymentsOf(entityRef: string, environment: string): DeployRequest[] {
    const seen = new Set<string>();
    return this.calls.filter(c => {
      if (c.entityRef !== entityRef || c.environment !== environment)
        return false;
      if (seen.has(c.idempotencyKey)) return false;
      seen.add(c.idempotencyKey);
      return true;
    });
  }
}
