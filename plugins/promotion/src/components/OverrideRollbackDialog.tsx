import { useApi } from '@backstage/core-plugin-api';
import type { RollbackView } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { promotionApiRef } from '../api';
import { ReasonDialog } from './ReasonDialog';

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
  const { environment, from } = rollback;
  return (
    <ReasonDialog
      open={open}
      onClose={onClose}
      title={`Override: redeploy ${from.version} into ${environment}`}
      summary={
        <>
          {environment} goes back to version <strong>{from.version}</strong>,
          the artifact rolled back automatically, digest
        </>
      }
      digest={from.digest}
      digestTestId="override-target-digest"
      note="Automatic rollback is off for that deployment: if its burn rate fires again, nothing rolls it back. Watch it, and roll back by hand if needed."
      fieldLabel="Why redeploy"
      helperText="Required; kept in the audit trail"
      submitLabel={`Redeploy ${from.version}`}
      successMessage={`Redeploying ${from.version} into ${environment}; automatic rollback is off for it`}
      onSubmit={comment => api.overrideRollback(rollback.id, { comment })}
    />
  );
};
