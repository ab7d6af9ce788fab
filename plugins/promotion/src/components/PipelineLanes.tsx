import { Grid, Typography } from '@material-ui/core';
import { InfoCard } from '@backstage/core-components';
import type { EnvironmentLane, PipelineView } from '@internal/plugin-promotion-common';
import { DeploymentStateIcon } from './DeploymentStateIcon';

const shortDigest = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

const Lane = ({ lane }: { lane: EnvironmentLane }) => (
  <InfoCard title={lane.name} subheader={lane.autoPromote ? 'auto-promote' : 'manual promotion'}>
    {lane.current ? (
      <>
        <Typography variant="h6">{lane.current.artifact.version}</Typography>
        <Typography variant="body2">
          <DeploymentStateIcon state={lane.current.state} />{' '}
          {lane.current.state}
        </Typography>
        <Typography variant="caption" component="code">
          {shortDigest(lane.current.artifact.digest)}
        </Typography>
      </>
    ) : (
      <Typography variant="body2" color="textSecondary">
        Nothing deployed yet
      </Typography>
    )}
  </InfoCard>
);

/** Environment lanes side by side, in pipeline order. */
export const PipelineLanes = ({ pipeline }: { pipeline: PipelineView }) => (
  <Grid container spacing={2} aria-label={`pipeline ${pipeline.pipeline}`}>
    {pipeline.environments.map(lane => (
      <Grid item xs={12} md key={lane.name} data-testid={`lane-${lane.name}`}>
        <Lane lane={lane} />
      </Grid>
    ))}
  </Grid>
);
