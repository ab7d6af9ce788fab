import { useApi } from '@backstage/core-plugin-api';
import type { Deployment } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { promotionApiRef } from '../api';
import { usePipelineContext } from './PipelineContext';
import { ReasonDialog } from './ReasonDialog';

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
  const { entityRef } = usePipelineContext();
  const { version, digest } = target.artifact;
  return (
    <ReasonDialog
      open={open}
      onClose={onClose}
      title={`Roll back ${environment}`}
      summary={
        <>
          {environment} returns to version <strong>{version}</strong>
          {current ? ` (now ${current.artifact.version})` : ''}, digest
        </>
      }
      digest={digest}
      digestTestId="rollback-target-digest"
      fieldLabel="Reason"
      submitLabel="Roll back"
      successMessage={`Rolling back ${environment} to ${version}`}
      onSubmit={reason =>
        api.rollback(entityRef, {
          environment,
          reason,
          // Pin the digest the user saw, so a lane that moved meanwhile is not rolled elsewhere.
          targetDigest: digest,
        })
      }
    />
  );
};
