import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import type { DeploymentState } from '@promotion-pipeline/backstage-plugin-promotion-common';

/** Maps a deployment state to the standard status icon. */
export const DeploymentStateIcon = ({ state }: { state: DeploymentState }) => {
  switch (state) {
    case 'verified':
      return <StatusOK aria-label={state} />;
    case 'deploying':
    case 'soaking':
      return <StatusRunning aria-label={state} />;
    case 'queued':
      return <StatusPending aria-label={state} />;
    case 'failed':
      return <StatusError aria-label={state} />;
    case 'rolled_back':
      return <StatusWarning aria-label={state} />;
    default:
      return <StatusAborted aria-label={state} />;
  }
};
