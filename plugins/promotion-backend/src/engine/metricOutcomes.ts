import type { GateResult } from '@promotion-pipeline/backstage-plugin-promotion-common';
import type { DeployStatus } from '@promotion-pipeline/backstage-plugin-promotion-node';

// The label values of the engine's metrics (`EngineMetrics`).

/** What a lane evaluation looked at. */
export type LaneKind = 'promotion' | 'deployment';

/** How one gate evaluation ended; `errored` is a gate that could not run. */
export type GateOutcome = 'passed' | 'pending' | 'failed' | 'errored';

/** The deployer call measured: starting a rollout or asking how it goes. */
export type DeployOperation = 'deploy' | 'status';

/**
 * How one deployer call ended: a deploy call the deployer took and is still
 * rolling out (`accepted`), a status call saying it still rolls out
 * (`running`), an answer that it is done or refused (`succeeded`, `failed`),
 * a throw (`error`) or no answer in time (`timeout`).
 */
export type DeployOutcome =
  | 'accepted'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'error'
  | 'timeout';

/** The outcome a gate result counts as: `errored` whatever verdict it carries. */
export function gateOutcomeOf(
  result: Pick<GateResult, 'verdict' | 'errored'>,
): GateOutcome {
  return result.errored ? 'errored' : result.verdict;
}

/** The outcome a deployer's answer counts as. */
export function deployOutcomeOf(
  operation: DeployOperation,
  status: DeployStatus,
): DeployOutcome {
  if (status.state === 'running') {
    return operation === 'deploy' ? 'accepted' : 'running';
  }
  return status.state;
}
