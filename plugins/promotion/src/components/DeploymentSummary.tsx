import { Box, Chip, Typography } from '@material-ui/core';
import { CopyTextButton } from '@backstage/core-components';
import type {
  Artifact,
  Deployment,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { DeploymentStateIcon } from './DeploymentStateIcon';
import { formatRelative, shortDigest, shortenDigests } from './format';

const STATE_LABEL: Record<Deployment['state'], string> = {
  queued: 'queued',
  deploying: 'deploying',
  soaking: 'soaking',
  verified: 'verified',
  failed: 'failed',
  superseded: 'superseded',
  rolled_back: 'rolled back',
};

// The backend adds these to artifacts marked bad; the shared type does not declare them yet.
type MaybeBadArtifact = Artifact & { bad?: boolean; badReason?: string };

/** A visible mark on an artifact someone marked bad, with why. */
const BadMark = ({ artifact }: { artifact: MaybeBadArtifact }) =>
  artifact.bad ? (
    <Chip
      size="small"
      color="secondary"
      data-testid="bad-mark"
      label={`marked bad${artifact.badReason ? `: ${artifact.badReason}` : ''}`}
    />
  ) : null;

/** One deployment's artifact: version, state, short digest to copy, commit, since when, why and by whom. */
export const DeploymentSummary = ({
  deployment,
  label,
}: {
  deployment: Deployment;
  label: string;
}) => {
  const { artifact } = deployment;
  return (
    <Box role="group" aria-label={`${label}: ${artifact.version}`}>
      <Typography variant="overline" component="div">
        {label}
      </Typography>
      <Box display="flex" alignItems="center" flexWrap="wrap">
        <DeploymentStateIcon state={deployment.state} />
        <Typography variant="h6" component="span" style={{ marginRight: 8 }}>
          {artifact.version}
        </Typography>
        <Typography
          variant="body2"
          component="span"
          data-testid="deployment-state"
        >
          {STATE_LABEL[deployment.state]}
        </Typography>
      </Box>
      <BadMark artifact={artifact} />
      <Box display="flex" alignItems="center" flexWrap="wrap">
        <Typography variant="body2" component="code" title={artifact.digest}>
          {shortDigest(artifact.digest)}
        </Typography>
        <CopyTextButton
          text={artifact.digest}
          tooltipText="Digest copied"
          aria-label={`Copy digest of ${artifact.version}`}
        />
      </Box>
      <Typography variant="body2" color="textSecondary">
        commit <code>{artifact.commit.slice(0, 12)}</code>
        {artifact.author ? ` by ${artifact.author}` : ''}
      </Typography>
      <Typography variant="body2" color="textSecondary">
        <span title={deployment.stateSince}>
          since {formatRelative(deployment.stateSince)}
        </span>
        {` · ${deployment.trigger} by ${deployment.actor}`}
      </Typography>
      {deployment.reason && (
        <Typography
          variant="body2"
          color="textSecondary"
          title={deployment.reason}
        >
          {shortenDigests(deployment.reason)}
        </Typography>
      )}
    </Box>
  );
};
