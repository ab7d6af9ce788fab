import { Box, Grid, Typography } from '@material-ui/core';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type { DoraMetrics } from '@promotion-pipeline/backstage-plugin-promotion-common';
import useAsync from 'react-use/esm/useAsync';
import { promotionApiRef } from '../api';
import { formatDuration } from './format';

const DAYS = 30;

const Figure = ({ label, value }: { label: string; value: string }) => (
  <Grid item xs={6}>
    <Box role="group" aria-label={label}>
      <Typography variant="caption" color="textSecondary" component="div">
        {label}
      </Typography>
      <Typography variant="h6" component="div">
        {value}
      </Typography>
    </Box>
  </Grid>
);

/** The four DORA figures, formatted for people. */
export function formatDora(dora: DoraMetrics) {
  const seconds = (s?: number) =>
    s === undefined ? 'no data' : formatDuration(s * 1000);
  return {
    frequency: `${Number(
      dora.deploymentFrequencyPerDay.toPrecision(3),
    )} per day`,
    leadTime: seconds(dora.leadTimeSeconds),
    changeFailureRate:
      dora.changeFailureRate === undefined
        ? 'no data'
        : `${Math.round(dora.changeFailureRate * 100)}%`,
    timeToRestore: seconds(dora.timeToRestoreSeconds),
  };
}

/** Deployment frequency, lead time, change failure rate and time to restore over the last 30 days. */
export const DoraCard = ({
  entityRef,
  version,
}: {
  entityRef: string;
  /** Reload when this changes. */
  version?: string;
}) => {
  const api = useApi(promotionApiRef);
  const { value, loading, error } = useAsync(
    () => api.getDoraMetrics(entityRef, { days: DAYS }),
    [api, entityRef, version],
  );
  let body;
  if (error) {
    body = <ResponseErrorPanel error={error} />;
  } else if (!value) {
    body = loading ? <Progress /> : null;
  } else {
    const figures = formatDora(value);
    body = (
      <Grid container spacing={2}>
        <Figure label="Deployment frequency" value={figures.frequency} />
        <Figure label="Lead time" value={figures.leadTime} />
        <Figure label="Change failure rate" value={figures.changeFailureRate} />
        <Figure label="Time to restore" value={figures.timeToRestore} />
      </Grid>
    );
  }
  return (
    <InfoCard title="DORA" subheader={`last ${value?.windowDays ?? DAYS} days`}>
      {body}
    </InfoCard>
  );
};
