import {
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
import { formatRelative, shortDigest } from './format';

const LaneRow = ({ lane }: { lane: EnvironmentLane }) => {
  const current = lane.current;
  return (
    <TableRow data-testid={`overview-${lane.name}`}>
      <TableCell component="th" scope="row">
        {lane.name}
      </TableCell>
      <TableCell>
        {current ? (
          <span title={current.artifact.digest}>
            {current.artifact.version}{' '}
            <Typography variant="caption" color="textSecondary">
              {shortDigest(current.artifact.digest)}
            </Typography>
          </span>
        ) : (
          <Typography variant="body2" color="textSecondary">
            nothing yet
          </Typography>
        )}
      </TableCell>
      <TableCell>
        {current && (
          <span style={{ whiteSpace: 'nowrap' }}>
            <DeploymentStateIcon state={current.state} />
            {current.state.replace('_', ' ')}{' '}
            <Typography
              variant="caption"
              color="textSecondary"
              title={current.stateSince}
            >
              {formatRelative(current.stateSince)}
            </Typography>
          </span>
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
          <TableCell>Environment</TableCell>
          <TableCell>Artifact</TableCell>
          <TableCell>State</TableCell>
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
