import { Box, Typography } from '@material-ui/core';
import type {
  Promotion,
  SoakView,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { ApprovalPanel, needsApproval } from './ApprovalPanel';
import { GateChecklist } from './GateChecklist';
import { shortDigest } from './format';

/** The promotion into a lane: which artifact from where, its gate checklist and, when needed, the approval panel. */
export const PromotionSummary = ({
  promotion,
  sourceSoak,
}: {
  promotion: Promotion;
  sourceSoak?: SoakView;
}) => (
  <Box role="region" aria-label={`Promotion into ${promotion.toEnvironment}`}>
    <Typography variant="overline" component="div">
      Incoming
    </Typography>
    <Typography variant="body2">
      {promotion.trigger === 'rollback' ? 'Rollback to' : 'Promotion of'}{' '}
      <strong>{promotion.artifact.version}</strong>{' '}
      <code title={promotion.artifact.digest}>
        {shortDigest(promotion.artifact.digest)}
      </code>
      {promotion.fromEnvironment ? ` from ${promotion.fromEnvironment}` : ''}:{' '}
      {promotion.state}
    </Typography>
    {promotion.reason && (
      <Typography variant="caption" color="textSecondary">
        {promotion.reason}
      </Typography>
    )}
    <GateChecklist promotion={promotion} sourceSoak={sourceSoak} />
    {needsApproval(promotion) && <ApprovalPanel promotion={promotion} />}
  </Box>
);
