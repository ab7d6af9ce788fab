import { useId, useState } from 'react';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  TextField,
  Typography,
} from '@material-ui/core';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import type { Deployment } from '@internal/plugin-promotion-common';
import { promotionApiRef } from '../api';
import { usePipelineContext } from './PipelineContext';
import { errorMessage } from './format';

/** Confirms a rollback: names the exact version and full digest the environment returns to, asks why. */
export const RollbackDialog = ({
  environment,
  current,
  target,
  open,
  onClose,
}: {
  environment: string;
  current?: Deployment;
  target: Deployment;
  open: boolean;
  onClose: () => void;
}) => {
  const api = useApi(promotionApiRef);
  const alertApi = useApi(alertApiRef);
  const { entityRef, refresh } = usePipelineContext();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const titleId = useId();
  const reasonId = useId();
  const { version, digest } = target.artifact;

  const close = () => {
    setReason('');
    setError(undefined);
    onClose();
  };

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.rollback(entityRef, {
        environment,
        reason: reason.trim(),
        // Pin the digest the user saw, so a lane that moved meanwhile is not rolled elsewhere.
        targetDigest: digest,
      });
      alertApi.post({
        message: `Rolling back ${environment} to ${version}`,
        severity: 'success',
        display: 'transient',
      });
      close();
      refresh();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} onClose={close} aria-labelledby={titleId} fullWidth>
      <DialogTitle id={titleId}>Roll back {environment}</DialogTitle>
      <DialogContent>
        <DialogContentText component="div">
          <Typography variant="body1" gutterBottom>
            {environment} returns to version <strong>{version}</strong>
            {current ? ` (now ${current.artifact.version})` : ''}, digest
          </Typography>
          <Typography
            variant="body2"
            component="code"
            data-testid="rollback-target-digest"
            style={{ wordBreak: 'break-all' }}
          >
            {digest}
          </Typography>
        </DialogContentText>
        <TextField
          id={reasonId}
          label="Reason"
          value={reason}
          onChange={e => setReason(e.target.value)}
          required
          fullWidth
          multiline
          margin="normal"
          variant="outlined"
        />
        {error && (
          <Typography role="alert" variant="body2" color="error">
            {error}
          </Typography>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={close}>Cancel</Button>
        <Button
          color="secondary"
          variant="contained"
          disabled={busy || reason.trim() === ''}
          onClick={submit}
        >
          Roll back
        </Button>
      </DialogActions>
    </Dialog>
  );
};
