import { Box, Button, Typography } from '@material-ui/core';
import { WarningPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type {
  Freeze,
  PipelineView,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { promotionApiRef } from '../api';
import { formatRelative } from './format';
import { useAdminAction } from './useAdminAction';

const FreezeItem = ({ freeze }: { freeze: Freeze }) => {
  const api = useApi(promotionApiRef);
  const { allowed, busy, error, run } = useAdminAction();
  return (
    <Box component="li" mb={1}>
      <Typography variant="body2" component="span">
        <strong>{freeze.environment}</strong>
        {freeze.entityRef ? '' : ' (all services)'} frozen by {freeze.createdBy}{' '}
        <span title={freeze.createdAt}>{formatRelative(freeze.createdAt)}</span>
        : {freeze.reason}
      </Typography>
      {allowed && (
        <Button
          size="small"
          aria-label={`Lift freeze on ${freeze.environment}`}
          disabled={busy}
          onClick={() => run(() => api.liftFreeze(freeze.id))}
        >
          Lift
        </Button>
      )}
      {error && (
        <Typography role="alert" variant="body2" color="error">
          {error}
        </Typography>
      )}
    </Box>
  );
};

/** Every active stop-the-line freeze of the pipeline, with a lift button for admins. */
export const FreezeBanner = ({ pipeline }: { pipeline: PipelineView }) => {
  const freezes = pipeline.environments.flatMap(lane => lane.freezes);
  if (freezes.length === 0) {
    return null;
  }
  const environments = [...new Set(freezes.map(f => f.environment))];
  return (
    <div data-testid="freeze-banner">
      <WarningPanel
        severity="error"
        title={`Stop the line: promotions into ${environments.join(
          ', ',
        )} are frozen`}
        defaultExpanded
      >
        <Box component="ul" m={0} pl={2}>
          {freezes.map(freeze => (
            <FreezeItem key={freeze.id} freeze={freeze} />
          ))}
        </Box>
      </WarningPanel>
    </div>
  );
};
