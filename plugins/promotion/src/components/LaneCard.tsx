import { ReactNode } from 'react';
import { Box, Chip, Divider, Typography } from '@material-ui/core';
import { InfoCard } from '@backstage/core-components';
import type {
  EnvironmentLane,
  SoakView,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { AutoRollbackPanel } from './AutoRollbackPanel';
import { BurnRateIndicator } from './BurnRateIndicator';
import { CalendarNote } from './CalendarNote';
import { DeploymentSummary } from './DeploymentSummary';
import { EnvironmentVariables } from './EnvironmentVariables';
import { HoldList } from './HoldList';
import { IncidentNote } from './IncidentNote';
import { PromotionSummary } from './PromotionSummary';
import { RollbackButton } from './RollbackButton';
import { SharedDigest, SharedDigestChip } from './SharedDigestChip';
import { SoakGraph } from './SoakGraph';
import { StopTheLineButton } from './StopTheLineButton';

const Section = ({ children }: { children: ReactNode }) => (
  <>
    <Divider style={{ margin: '12px 0' }} />
    {children}
  </>
);

/** One environment: what runs there, what ran before, what is coming and how healthy it is. */
export const LaneCard = ({
  lane,
  shared,
  sourceSoak,
}: {
  lane: EnvironmentLane;
  shared?: SharedDigest;
  /** Soak of the lane the incoming promotion comes from; its soak gate measures that. */
  sourceSoak?: SoakView;
}) => (
  <InfoCard
    title={lane.name}
    subheader={lane.autoPromote ? 'auto-promote' : 'manual promotion'}
    actions={
      <Box display="flex" flexWrap="wrap" style={{ gap: 8 }}>
        <RollbackButton lane={lane} />
        <StopTheLineButton environment={lane.name} />
      </Box>
    }
  >
    {lane.autoRollback && <AutoRollbackPanel rollback={lane.autoRollback} />}
    <IncidentNote lane={lane} />
    {lane.freezes.length > 0 && (
      <Chip size="small" color="secondary" label="frozen" />
    )}
    {lane.current ? (
      <DeploymentSummary deployment={lane.current} label="Current" />
    ) : (
      <Typography variant="body2" color="textSecondary">
        Nothing deployed yet
      </Typography>
    )}
    {shared && <SharedDigestChip environment={lane.name} shared={shared} />}
    {lane.burnRate && (
      <Box mt={1}>
        <BurnRateIndicator burnRate={lane.burnRate} />
      </Box>
    )}
    {lane.calendar && (
      <Section>
        <CalendarNote calendar={lane.calendar} />
      </Section>
    )}
    {lane.promotion && (
      <Section>
        <PromotionSummary promotion={lane.promotion} sourceSoak={sourceSoak} />
      </Section>
    )}
    <Section>
      <SoakGraph environment={lane.name} soak={lane.soak} />
    </Section>
    <Section>
      {lane.previous ? (
        <DeploymentSummary deployment={lane.previous} label="Previous (warm)" />
      ) : (
        <Typography variant="body2" color="textSecondary">
          No previous artifact
        </Typography>
      )}
    </Section>
    {lane.holds.length > 0 && (
      <Section>
        <HoldList environment={lane.name} holds={lane.holds} />
      </Section>
    )}
    {(Object.keys(lane.variables).length > 0 || lane.secretRefs.length > 0) && (
      <Section>
        <EnvironmentVariables lane={lane} />
      </Section>
    )}
  </InfoCard>
);
