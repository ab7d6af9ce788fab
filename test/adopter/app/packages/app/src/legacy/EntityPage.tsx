import { EntityLayout } from '@backstage/plugin-catalog';
import {
  EntityPromotionContent,
  EntityPromotionOverviewCard,
  isPromotionAvailable,
} from '@promotion-pipeline/backstage-plugin-promotion';

export const entityPage = (
  <EntityLayout>
    <EntityLayout.Route path="/" title="Overview">
      <EntityPromotionOverviewCard />
    </EntityLayout.Route>
    <EntityLayout.Route
      path="/pipeline"
      title="Pipeline"
      if={isPromotionAvailable}
    >
      <EntityPromotionContent />
    </EntityLayout.Route>
  </EntityLayout>
);
