import { Box, Typography } from '@material-ui/core';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type { RollbackView } from '@promotion-pipeline/backstage-plugin-promotion-common';
import useAsync from 'react-use/esm/useAsync';
import { promotionApiRef } from '../api';
import { formatTimeToRollBack, timeToRollBack } from './AutoRollbackPanel';
import { formatRelative } from './format';

const SHOWN = 5;

/** The median time to roll back over the rollbacks that have one. */
export function medianTimeToRollBack(
  rollbacks: RollbackView[],
): number | undefined {
  const seconds = rollbacks
    .map(r => r.mttrSeconds)
    .filter((s): s is number => typeof s === 'number')
    .sort((a, b) => a - b);
  if (seconds.length === 0) return undefined;
  const mid = Math.floor(seconds.length / 2);
  return seconds.length % 2
    ? seconds[mid]
    : (seconds[mid - 1] + seconds[mid]) / 2;
}

function answer(rollback: RollbackView): string {
  if (rollback.trigger === 'manual') return `by ${rollback.actor}`;
  if (!rollback.resolution) return 'waiting for on-call';
  return `${rollback.resolution.decision} by ${rollback.resolution.actor}`;
}

const RollbackItem = ({ rollback }: { rollback: RollbackView }) => (
  <Box component="li" mb={1}>
    <Typography variant="body2">
      <strong>{rollback.environment}</strong>{' '}
      {rollback.trigger === 'auto' ? 'automatic' : 'manual'}:{' '}
      {rollback.from.version} → {rollback.to.version}
    </Typography>
    <Typography variant="caption" color="textSecondary" component="div">
      <span title={rollback.detectedAt}>
        {formatRelative(rollback.detectedAt)}
      </span>{' '}
      · rolled back in {timeToRollBack(rollback)}
      {rollback.timeToRecoverSeconds !== undefined &&
        ` · recovered in ${formatTimeToRollBack(
          rollback.timeToRecoverSeconds,
        )}`}{' '}
      · {answer(rollback)}
    </Typography>
  </Box>
);

/** The service's latest rollbacks with their time to roll back and on-call's answer. */
export const RollbacksCard = ({
  entityRef,
  version,
}: {
  entityRef: string;
  /** Reload when this changes. */
  version?: string;
}) => {
  const api = useApi(promotionApiRef);
  const { value, loading, error } = useAsync(
    () => api.listRollbacks(entityRef),
    [api, entityRef, version],
  );
  let body;
  if (error) {
    body = <ResponseErrorPanel error={error} />;
  } else if (!value) {
    body = loading ? <Progress /> : null;
  } else if (value.items.length === 0) {
    body = (
      <Typography variant="body2" color="textSecondary">
        No rollbacks
      </Typography>
    );
  } else {
    const median = medianTimeToRollBack(value.items);
    body = (
      <>
        <Box role="group" aria-label="Median time to roll back" mb={1}>
          <Typography variant="caption" color="textSecondary" component="div">
            Median time to roll back, last {value.items.length}{' '}
            {value.items.length === 1 ? 'rollback' : 'rollbacks'}
          </Typography>
          <Typography variant="h6" component="div">
            {median === undefined ? 'no data' : formatTimeToRollBack(median)}
          </Typography>
        </Box>
        <Box component="ul" m={0} pl={2} aria-label="Latest rollbacks">
          {value.items.slice(0, SHOWN).map(rollback => (
            <RollbackItem key={rollback.id} rollback={rollback} />
          ))}
        </Box>
      </>
    );
  }
  return (
    <InfoCard title="Rollbacks" subheader="newest first">
      {body}
    </InfoCard>
  );
};
