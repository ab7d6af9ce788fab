import { Grid } from '@material-ui/core';
import type { PipelineView } from '@internal/plugin-promotion-common';
import { LaneCard } from './LaneCard';
import { findSharedDigests } from './SharedDigestChip';

/** Environment lanes side by side in pipeline order; stacked on narrow screens. */
export const PipelineLanes = ({ pipeline }: { pipeline: PipelineView }) => {
  const shared = findSharedDigests(pipeline.environments);
  const soakOf = (name?: string) =>
    pipeline.environments.find(lane => lane.name === name)?.soak;
  return (
    <Grid container spacing={2} aria-label={`Pipeline ${pipeline.pipeline}`}>
      {pipeline.environments.map(lane => (
        <Grid
          item
          xs={12}
          md
          key={lane.name}
          data-testid={`lane-${lane.name}`}
          role="region"
          aria-label={`Lane ${lane.name}`}
        >
          <LaneCard
            lane={lane}
            shared={
              lane.current
                ? shared.get(lane.current.artifact.digest)
                : undefined
            }
            sourceSoak={soakOf(lane.promotion?.fromEnvironment)}
          />
        </Grid>
      ))}
    </Grid>
  );
};
