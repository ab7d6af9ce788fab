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
import type { RollbackView } from '@internal/plugin-promotion-common';
import { promotionApiRef } from '../api';
import { usePipelineContext } from './PipelineContext';
import { errorMessage } from './format';

/**
 * Asks on-call why the automatically rolled-back artifact should go back in,
 * says that automatic rollback is then off for that deployment, and redeploys it.
 */
export const OverrideRollbackDialog = ({
  rollback,
  open,
  onClose,
}: {
  rollback: RollbackView;
  open: boolean;
  onClose: () => void;
}) => {
  const api = useApi(promotionApiRef);
  const alertApi = useApi(alertApiRef);
  const { refresh } = usePipelineContext();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const titleId = useId();
  const commentId = useId();
  const { environment, from } = rollback;

  const close = () => {
    setComment('');
    setError(undefined);
    onClose();
  };

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.overrideRollback(rollback.id, { comment: comment.trim() });
      alertApi.post({
        message: `Redeploying ${from.version} into ${environment}; automatic rollback is off for it`,
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
      <DialogTitle id={titleId}>
        Override: redeploy {from.version} into {environment}
      </DialogTitle>
      <DialogContent>
        <DialogContentText component="div">
          <Typography variant="body1" gutterBottom>
            {environment} goes back to version <strong>{from.version}</strong>,
            the artifact rolled back automatically, digest
          </Typography>
          <Typography
            variant="body2"
            component="code"
            data-testid="override-target-digest"
            style={{ wordBreak: 'break-all' }}
          >
            {from.digest}
          </Typography>
          <Typography variant="body2" style={{ marginTop: 12 }}>
            Automatic rollback is off for that deployment: if its burn rate
            fires again, nothing rolls it back. Watch it, and roll back by hand
            if needed.
          </Typography>
        </DialogContentText>
        <TextField
          id={commentId}
          label="Why redeploy"
          helperText="Required; kept in the audit trail"
          value={comment}
          onChange={e => setComment(e.target.value)}
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
          disabled={busy || comment.trim() === ''}
          onClick={submit}
        >
          Redeploy {from.version}
        </Button>
      </DialogActions>
    </Dialog>
  );
};
