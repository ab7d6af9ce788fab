import { useId, useState } from 'react';
import { Box, Button, TextField, Typography } from '@material-ui/core';
import { alpha, makeStyles } from '@material-ui/core/styles';
import { StatusError } from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  promotionRollbackPermission,
  type RollbackView,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { promotionApiRef } from '../api';
import { OverrideRollbackDialog } from './OverrideRollbackDialog';
import { usePipelineContext } from './PipelineContext';
import {
  errorMessage,
  formatBurnRate,
  formatDuration,
  formatObjective,
  formatRelative,
  shortDigest,
} from './format';
import { isFiring, readRollbackEvidence } from './rollbackEvidence';

const useStyles = makeStyles(theme => ({
  panel: {
    border: `1px solid ${theme.palette.error.main}`,
    borderLeftWidth: 6,
    borderRadius: theme.shape.borderRadius,
    backgroundColor: alpha(theme.palette.error.main, 0.06),
    padding: theme.spacing(1.5),
    marginBottom: theme.spacing(1.5),
  },
  title: {
    display: 'flex',
    alignItems: 'center',
    fontWeight: theme.typography.fontWeightBold as number,
  },
  firing: {
    // The darker shade keeps the red text readable on the tinted panel.
    color:
      theme.palette.type === 'dark'
        ? theme.palette.error.light
        : theme.palette.error.dark,
    fontWeight: theme.typography.fontWeightBold as number,
  },
}));

// A version and its digest wrap together, never apart.
const Version = ({ version, digest }: { version: string; digest: string }) => (
  <span style={{ whiteSpace: 'nowrap' }}>
    <strong>{version}</strong> <code title={digest}>{shortDigest(digest)}</code>
  </span>
);

/** The burn rates that fired an automatic rollback, one line per window pair. */
const BurnEvidence = ({ rollback }: { rollback: RollbackView }) => {
  const classes = useStyles();
  const { objective, sustainMs, windows } = readRollbackEvidence(
    rollback.evidence,
  );
  if (objective === undefined && windows.length === 0) return null;
  return (
    <Box my={1}>
      <Typography variant="body2">
        Burn rate
        {objective !== undefined
          ? ` of the ${formatObjective(objective)} SLO`
          : ''}
        {sustainMs ? `, over threshold for ${formatDuration(sustainMs)}` : ''}
      </Typography>
      {windows.length > 0 && (
        <Box
          component="ul"
          m={0}
          pl={2}
          aria-label={`Burn rates that rolled back ${rollback.environment}`}
        >
          {windows.map(w => (
            <Typography
              component="li"
              variant="body2"
              key={`${w.long}-${w.short}`}
              className={isFiring(w) ? classes.firing : undefined}
            >
              {w.long} / {w.short}: {formatBurnRate(w.longBurnRate)} /{' '}
              {formatBurnRate(w.shortBurnRate)}
              {w.threshold !== undefined
                ? ` (alert at ${formatBurnRate(w.threshold)})`
                : ''}
              {w.status ? ` · ${w.status}` : ''}
            </Typography>
          ))}
        </Box>
      )}
    </Box>
  );
};

/** A time to roll back in seconds for people; a manual rollback is often dispatched within the second. */
export function formatTimeToRollBack(seconds: number): string {
  return seconds < 1 ? 'under 1 s' : formatDuration(seconds * 1000);
}

/** The time to roll back, or why there is none yet. */
export function timeToRollBack(rollback: RollbackView): string {
  if (rollback.mttrSeconds !== undefined) {
    return formatTimeToRollBack(rollback.mttrSeconds);
  }
  return rollback.dispatchedAt ? 'unknown' : 'not deployed yet';
}

/**
 * The time to recover (the release's first burning reading, or its arrival,
 * to the previous artifact serving again), or why there is none yet.
 */
export function timeToRecover(rollback: RollbackView): string {
  if (rollback.timeToRecoverSeconds !== undefined) {
    return formatTimeToRollBack(rollback.timeToRecoverSeconds);
  }
  return rollback.restoredAt ? 'unknown' : 'not recovered yet';
}

/**
 * An automatic rollback of a lane on-call has not answered yet: what was
 * rolled back to what and why, the burn rates that fired it, how fast it
 * happened, and the two answers: confirm it, or override it and redeploy.
 */
export const AutoRollbackPanel = ({ rollback }: { rollback: RollbackView }) => {
  const classes = useStyles();
  const api = useApi(promotionApiRef);
  const alertApi = useApi(alertApiRef);
  const { entityRef, refresh } = usePipelineContext();
  const permission = usePermission({
    permission: promotionRollbackPermission,
    resourceRef: entityRef,
  });
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [overriding, setOverriding] = useState(false);
  const titleId = useId();
  const reasonId = useId();
  const commentId = useId();
  const { environment, from, to } = rollback;

  const blocked =
    !permission.loading && !permission.allowed ? 'not permitted' : undefined;
  const disabled = Boolean(blocked) || permission.loading || busy;

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.confirmRollback(rollback.id, {
        comment: comment.trim() || undefined,
      });
      alertApi.post({
        message: `Confirmed the rollback of ${environment} to ${to.version}`,
        severity: 'success',
        display: 'transient',
      });
      setComment('');
      refresh();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box
      role="region"
      aria-labelledby={titleId}
      className={classes.panel}
      data-testid="auto-rollback"
    >
      <Typography id={titleId} component="h3" className={classes.title}>
        <StatusError />
        Rolled back automatically
      </Typography>
      <Typography variant="body2" data-testid="rollback-versions">
        <Version {...from} /> → <Version {...to} />
      </Typography>
      <Typography variant="body2">{rollback.reason}</Typography>
      <BurnEvidence rollback={rollback} />
      <Typography variant="body2" color="textSecondary">
        Detected{' '}
        <span title={rollback.detectedAt}>
          {formatRelative(rollback.detectedAt)}
        </span>{' '}
        · time to roll back:{' '}
        <strong data-testid="time-to-roll-back">
          {timeToRollBack(rollback)}
        </strong>{' '}
        · time to recover:{' '}
        <strong
          data-testid="time-to-recover"
          title={
            rollback.impactStartedAt
              ? `from the first burning reading (${rollback.impactStartedAt}) to the previous artifact serving again`
              : 'from the rollback request to the previous artifact serving again'
          }
        >
          {timeToRecover(rollback)}
        </strong>
      </Typography>
      <TextField
        id={commentId}
        label="Comment (optional)"
        value={comment}
        onChange={e => setComment(e.target.value)}
        disabled={disabled}
        fullWidth
        multiline
        size="small"
        margin="dense"
        variant="outlined"
      />
      <Box
        display="flex"
        flexWrap="wrap"
        alignItems="center"
        style={{ gap: 8 }}
      >
        <Button
          variant="contained"
          color="primary"
          aria-label={`Confirm rollback of ${environment}`}
          aria-describedby={blocked ? reasonId : undefined}
          disabled={disabled}
          onClick={confirm}
        >
          Confirm rollback
        </Button>
        <Button
          variant="outlined"
          aria-label={`Override: redeploy ${from.version} into ${environment}`}
          aria-describedby={blocked ? reasonId : undefined}
          disabled={disabled}
          onClick={() => setOverriding(true)}
        >
          Override: redeploy {from.version}
        </Button>
        {blocked && (
          <Typography id={reasonId} variant="caption" color="textSecondary">
            {blocked}
          </Typography>
        )}
      </Box>
      {error && (
        <Typography role="alert" variant="body2" color="error">
          {error}
        </Typography>
      )}
      <OverrideRollbackDialog
        rollback={rollback}
        open={overriding}
        onClose={() => setOverriding(false)}
      />
    </Box>
  );
};
