import { ReactNode, useId, useState } from 'react';
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
import { usePipelineContext } from './PipelineContext';
import { errorMessage } from './format';

/**
 * A confirmation that names the exact artifact it acts on and asks why: the
 * action runs with the trimmed reason, then the dialog closes and the
 * pipeline reloads; an error stays in the dialog.
 */
export const ReasonDialog = ({
  open,
  onClose,
  title,
  summary,
  digest,
  digestTestId,
  note,
  fieldLabel,
  helperText,
  submitLabel,
  successMessage,
  onSubmit,
}: {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  /** What happens, ending where the full digest follows. */
  summary: ReactNode;
  digest: string;
  digestTestId: string;
  /** A warning under the digest. */
  note?: ReactNode;
  fieldLabel: string;
  helperText?: string;
  submitLabel: ReactNode;
  successMessage: string;
  onSubmit: (reason: string) => Promise<unknown>;
}) => {
  const alertApi = useApi(alertApiRef);
  const { refresh } = usePipelineContext();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const titleId = useId();
  const reasonId = useId();

  const close = () => {
    setReason('');
    setError(undefined);
    onClose();
  };

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit(reason.trim());
      alertApi.post({
        message: successMessage,
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
      <DialogTitle id={titleId}>{title}</DialogTitle>
      <DialogContent>
        <DialogContentText component="div">
          <Typography variant="body1" gutterBottom>
            {summary}
          </Typography>
          <Typography
            variant="body2"
            component="code"
            data-testid={digestTestId}
            style={{ wordBreak: 'break-all' }}
          >
            {digest}
          </Typography>
          {note && (
            <Typography variant="body2" style={{ marginTop: 12 }}>
              {note}
            </Typography>
          )}
        </DialogContentText>
        <TextField
          id={reasonId}
          label={fieldLabel}
          helperText={helperText}
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
          {submitLabel}
        </Button>
      </DialogActions>
    </Dialog>
  );
};
