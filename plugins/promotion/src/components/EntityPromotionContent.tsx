import { useEntity, MissingAnnotationEmptyState } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  Content,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { PROMOTION_PIPELINE_ANNOTATION } from '@internal/plugin-promotion-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { promotionApiRef } from '../api';
import { isPromotionAvailable } from '../isPromotionAvailable';
import { PipelineLanes } from './PipelineLanes';

/** The pipeline tab: one lane per environment of the service's pipeline. */
export const EntityPromotionContent = () => {
  const { entity } = useEntity();
  if (!isPromotionAvailable(entity)) {
    return <MissingAnnotationEmptyState annotation={PROMOTION_PIPELINE_ANNOTATION} />;
  }
  return <PipelineContent entityRef={stringifyEntityRef(entity)} />;
};

const PipelineContent = ({ entityRef }: { entityRef: string }) => {
  const api = useApi(promotionApiRef);
  const { value, loading, error } = useAsyncRetry(
    () => api.getPipeline(entityRef),
    [api, entityRef],
  );
  if (loading && !value) {
    return <Progress />;
  }
  if (error) {
    return <ResponseErrorPanel error={error} />;
  }
  return (
    <Content noPadding>
      <PipelineLanes pipeline={value!} />
    </Content>
  );
};
