import { useId, useState } from 'react';
import { Box, Button, Typography } from '@material-ui/core';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  promotionRollbackPermission,
  type EnvironmentLane,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { usePipelineContext } from './PipelineContext';
import { RollbackDialog } from './RollbackDialog';

/** Rolls a lane back to its warm previous artifact, after confirmation. */
export const RollbackButton = ({ lane }: { lane: EnvironmentLane }) => {
  const { entityRef } = usePipelineContext();
  const permission = usePermission({
    permission: promotionRollbackPermission,
    resourceRef: entityRef,
  });
  const [open, setOpen] = useState(false);
  const reasonId = useId();

  let blocked: string | undefined;
  if (!lane.previous) {
    blocked = 'no previous artifact';
  } else if (!permission.loading && !permission.allowed) {
    blocked = 'not permitted';
  }

  return (
    <Box display="flex" alignItems="center" flexWrap="wrap" style={{ gap: 8 }}>
      <Button
        variant="outlined"
        color="secondary"
        aria-label={`Roll back ${lane.name}`}
        aria-describedby={blocked ? reasonId : undefined}
        disabled={Boolean(blocked) || permission.loading}
        onClick={() => setOpen(true)}
      >
        Roll back
      </Button>
      {blocked && (
        <Typography id={reasonId} variant="caption" color="textSecondary">
          {blocked}
        </Typography>
      )}
      {lane.previous && (
        <RollbackDialog
          environment={lane.name}
          current={lane.current}
          target={lane.previous}
          open={open}
          onClose={() => setOpen(false)}
        />
      )}
    </Box>
  );
};
