import {
  StatusError,
  StatusOK,
  StatusPending,
} from '@backstage/core-components';
import type { GateVerdict } from '@promotion-pipeline/backstage-plugin-promotion-common';

/** Maps a gate verdict to the standard status icon. */
export const GateVerdictIcon = ({ verdict }: { verdict: GateVerdict }) => {
  switch (verdict) {
    case 'passed':
      return <StatusOK aria-label={verdict} />;
    case 'failed':
      return <StatusError aria-label={verdict} />;
    default:
      return <StatusPending aria-label={verdict} />;
  }
};
