import {
  Box,
  Table as MuiTable,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  MissingAnnotationEmptyState,
  useEntity,
} from '@backstage/plugin-catalog-react';
import {
  PROMOTION_PIPELINE_ANNOTATION,
  type EnvironmentLane,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { usePipeline } from '../hooks/usePipeline';
import { isPromotionAvailable } from '../isPromotionAvailable';
import { DeploymentStateIcon } from './DeploymentStateIcon';
import { incidentFreeze } from './IncidentNote';
import { formatRelative, shortDigest } from './format';

// The name column takes what its longest word needs, never a letter less.
const nameCell = { whiteSpace: 'nowrap', width: '1%' } as const;

// Per environment the artifact, and under it its state: the same two lines
// at every width (side by side, rows wrapped differently by a few pixels).
const LaneRow = ({ lane }: { lane: EnvironmentLane }) => {
  const current = lane.current;
  return (
    <TableRow data-testid={`overview-${lane.name}`}>
      <TableCell component="th" scope="row" style={nameCell}>
        {lane.name}
      </TableCell>
      <TableCell>
        {current ? (
          <>
            <span title={current.artifact.digest}>
              {current.artifact.version}{' '}
              <Typography variant="caption" color="textSecondary">
                {shortDigest(current.artifact.digest)}
              </Typography>
            </span>
            {/* A Status icon is a flex box: the state goes beside it in one row. */}
            <Box display="flex" alignItems="center">
              <DeploymentStateIcon state={current.state} />
              <Typography variant="body2">
                {current.state.replace('_', ' ')}{' '}
                <Typography
                  variant="caption"
                  color="textSecondary"
                  title={current.stateSince}
                >
                  {formatRelative(current.stateSince)}
                </Typography>
              </Typography>
            </Box>
          </>
        ) : (
          <Typography variant="body2" color="textSecondary">
            nothing yet
          </Typography>
        )}
        {lane.promotion && (
          <Typography variant="caption" component="div" color="textSecondary">
            next: {lane.promotion.artifact.version}
          </Typography>
        )}
        {(lane.freezes.length > 0 || lane.calendar?.frozen) && (
          <Typography variant="caption" component="div" color="error">
            frozen
          </Typography>
        )}
        {incidentFreeze(lane) && (
          <Typography variant="caption" component="div" color="error">
            incident freeze
          </Typography>
        )}
      </TableCell>
    </TableRow>
  );
};

const Lanes = ({ entityRef }: { entityRef: string }) => {
  const { value, error, loading } = usePipeline(entityRef);
  if (!value) {
    if (error) return <ResponseErrorPanel error={error} />;
    return loading ? <Progress /> : null;
  }
  return (
    <MuiTable size="small" aria-label="What runs in each environment">
      <TableHead>
        <TableRow>
          <TableCell style={nameCell}>Environment</TableCell>
          <TableCell>Running</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {value.environments.map(lane => (
          <LaneRow key={lane.name} lane={lane} />
        ))}
      </TableBody>
    </MuiTable>
  );
};

/** A small card for the entity Overview page: what runs in each environment, linking to the pipeline tab. */
export const EntityPromotionOverviewCard = () => {
  const { entity } = useEntity();
  if (!isPromotionAvailable(entity)) {
    return (
      <MissingAnnotationEmptyState annotation={PROMOTION_PIPELINE_ANNOTATION} />
    );
  }
  return (
    <InfoCard
      title="Promotion"
      deepLink={{ title: 'Open the pipeline', link: 'pipeline' }}
      noPadding
    >
      <Lanes entityRef={stringifyEntityRef(entity)} />
    </InfoCard>
  );
};
