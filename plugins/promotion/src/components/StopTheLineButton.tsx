import { useId, useState } from 'react';
import {
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  FormControlLabel,
  TextField,
  Typography,
} from '@material-ui/core';
import { useApi } from '@backstage/core-plugin-api';
import { promotionApiRef } from '../api';
import { useAdminAction } from './useAdminAction';

/** Lets an admin freeze promotions into one environment (stop the line), with a reason. */
export const StopTheLineButton = ({ environment }: { environment: string }) => {
  const api = useApi(promotionApiRef);
  const { entityRef, allowed, busy, error, run } = useAdminAction();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [allServices, setAllServices] = useState(false);
  const titleId = useId();
  const reasonId = useId();

  if (!allowed) {
    return null;
  }
  const close = () => {
    setOpen(false);
    setReason('');
    setAllServices(false);
  };
  const submit = async () => {
    const done = await run(() =>
      api.createFreeze(entityRef, {
        environment,
        reason: reason.trim(),
        allServices: allServices || undefined,
      }),
    );
    if (done) close();
  };

  return (
    <>
      <Button
        variant="outlined"
        aria-label={`Stop the line in ${environment}`}
        onClick={() => setOpen(true)}
      >
        Stop the line
      </Button>
      <Dialog open={open} onClose={close} aria-labelledby={titleId} fullWidth>
        <DialogTitle id={titleId}>Stop the line in {environment}</DialogTitle>
        <DialogContent>
          <DialogContentText>
            No promotion enters {environment} until the freeze is lifted.
            Rollbacks still go through.
          </DialogContentText>
          <TextField
            id={reasonId}
            label="Reason"
            value={reason}
            onChange={e => setReason(e.target.value)}
            required
            fullWidth
            margin="normal"
            variant="outlined"
          />
          <FormControlLabel
            control={
              <Checkbox
                checked={allServices}
                onChange={e => setAllServices(e.target.checked)}
              />
            }
            label="All services"
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
            Stop the line
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
};
