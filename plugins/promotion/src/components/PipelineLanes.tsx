import { Box } from '@material-ui/core';
import { makeStyles } from '@material-ui/core/styles';
import type { PipelineView } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { LaneCard } from './LaneCard';
import { findSharedDigests } from './SharedDigestChip';

// A lane needs about this much width to stay readable (gate list, approval
// buttons, soak graph); lanes sit side by side while they get it and wrap
// onto new rows, in pipeline order, when they do not.
const MIN_LANE_WIDTH = 300;

const useStyles = makeStyles(theme => ({
  lanes: {
    display: 'grid',
    gridTemplateColumns: `repeat(auto-fit, minmax(min(100%, ${MIN_LANE_WIDTH}px), 1fr))`,
    gap: theme.spacing(2),
    alignItems: 'start',
  },
  lane: {
    // Grid items default to their content's min width, so one long token (a
    // digest in a reason) would push the row apart; break it instead.
    minWidth: 0,
    overflowWrap: 'anywhere',
  },
}));

/** Environment lanes side by side in pipeline order; stacked on narrow screens. */
export const PipelineLanes = ({ pipeline }: { pipeline: PipelineView }) => {
  const classes = useStyles();
  const shared = findSharedDigests(pipeline.environments);
  const soakOf = (name?: string) =>
    pipeline.environments.find(lane => lane.name === name)?.soak;
  return (
    <Box
      className={classes.lanes}
      role="group"
      aria-label={`Pipeline ${pipeline.pipeline}`}
    >
      {pipeline.environments.map(lane => (
        <Box
          key={lane.name}
          className={classes.lane}
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
        </Box>
      ))}
    </Box>
  );
};
