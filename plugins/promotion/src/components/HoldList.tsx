import { Box, Button, Typography } from '@material-ui/core';
import { useApi } from '@backstage/core-plugin-api';
import type { Hold } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { promotionApiRef } from '../api';
import { formatRelative, shortDigest } from './format';
import { useAdminAction } from './useAdminAction';

const HoldItem = ({ hold }: { hold: Hold }) => {
  const api = useApi(promotionApiRef);
  const { entityRef, allowed, busy, error, run } = useAdminAction();
  const digest = shortDigest(hold.digest);
  return (
    <Box component="li" mb={1} data-testid={`hold-${hold.id}`}>
      <Typography variant="body2">
        <code title={hold.digest}>{digest}</code> held by {hold.createdBy}{' '}
        <span title={hold.createdAt}>{formatRelative(hold.createdAt)}</span>:{' '}
        {hold.reason}
      </Typography>
      {allowed && (
        <Button
          size="small"
          aria-label={`Release hold on ${digest} in ${hold.environment}`}
          disabled={busy}
          onClick={() => run(() => api.releaseHold(entityRef, hold.id))}
        >
          Release
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

/** Artifacts held (or marked bad) out of a lane, with who and why, and a release button for admins. */
export const HoldList = ({
  environment,
  holds,
}: {
  environment: string;
  holds: Hold[];
}) =>
  holds.length === 0 ? null : (
    <Box role="region" aria-label={`Holds in ${environment}`}>
      <Typography variant="overline" component="div">
        Held out
      </Typography>
      <Box component="ul" m={0} pl={2}>
        {holds.map(hold => (
          <HoldItem key={hold.id} hold={hold} />
        ))}
      </Box>
    </Box>
  );
