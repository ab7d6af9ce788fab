import { useMemo } from 'react';
import { Grid } from '@material-ui/core';
import {
  useEntity,
  MissingAnnotationEmptyState,
} from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  Content,
  EmptyState,
  Progress,
  ResponseErrorPanel,
  WarningPanel,
} from '@backstage/core-components';
import {
  PROMOTION_PIPELINE_ANNOTATION,
  type PipelineView,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { isPromotionAvailable } from '../isPromotionAvailable';
import { usePipeline } from '../hooks/usePipeline';
import { DoraCard } from './DoraCard';
import { FreezeBanner } from './FreezeBanner';
import { HistoryTable } from './HistoryTable';
import { PipelineProvider } from './PipelineContext';
import { PipelineLanes } from './PipelineLanes';
import { RollbacksCard } from './RollbacksCard';
import { errorMessage } from './format';

// DORA figures only move when a deployment does, not on every soak sample.
const deploymentsKey = (pipeline: PipelineView) =>
  pipeline.recentDeployments.map(d => `${d.id}:${d.state}`).join(',');

// Rollbacks also change when on-call answers one, which moves no deployment.
const rollbacksKey = (pipeline: PipelineView) =>
  `${deploymentsKey(pipeline)}|${pipeline.environments
    .map(lane => lane.autoRollback?.id ?? '')
    .join(',')}`;

const PipelineContent = ({ entityRef }: { entityRef: string }) => {
  const { value, error, loading, version, refresh } = usePipeline(entityRef);
  const context = useMemo(() => ({ entityRef, refresh }), [entityRef, refresh]);

  if (!value) {
    if (error) return <ResponseErrorPanel error={error} />;
    return loading ? <Progress /> : null;
  }
  if (value.environments.length === 0) {
    return (
      <EmptyState
        missing="data"
        title="No environments"
        description={`The pipeline "${value.pipeline}" has no environments configured.`}
      />
    );
  }
  return (
    <PipelineProvider value={context}>
      <Content noPadding>
        <Grid container spacing={2}>
          {error && (
            <Grid item xs={12}>
              <WarningPanel
                title="Could not refresh the pipeline; showing the last known state"
                message={errorMessage(error)}
              />
            </Grid>
          )}
          {value.environments.some(lane => lane.freezes.length > 0) && (
            <Grid item xs={12}>
              <FreezeBanner pipeline={value} />
            </Grid>
          )}
          <Grid item xs={12}>
            <PipelineLanes pipeline={value} />
          </Grid>
          <Grid item xs={12} md={6}>
            <DoraCard entityRef={entityRef} version={deploymentsKey(value)} />
          </Grid>
          <Grid item xs={12} md={6}>
            <RollbacksCard
              entityRef={entityRef}
              version={rollbacksKey(value)}
            />
          </Grid>
          {/* The audit table needs the full width for its six columns. */}
          <Grid item xs={12}>
            <HistoryTable
              entityRef={entityRef}
              environments={value.environments.map(lane => lane.name)}
              version={version}
            />
          </Grid>
        </Grid>
      </Content>
    </PipelineProvider>
  );
};

/** The pipeline tab: one lane per environment of the service's pipeline, its history and DORA figures. */
export const EntityPromotionContent = () => {
  const { entity } = useEntity();
  if (!isPromotionAvailable(entity)) {
    return (
      <MissingAnnotationEmptyState annotation={PROMOTION_PIPELINE_ANNOTATION} />
    );
  }
  return <PipelineContent entityRef={stringifyEntityRef(entity)} />;
};
