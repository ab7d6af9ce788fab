import { useState } from 'react';
import { usePermission } from '@backstage/plugin-permission-react';
import { promotionAdminPermission } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { usePipelineContext } from './PipelineContext';
import { errorMessage } from './format';

/**
 * Runs an admin action (hold release, freeze, lift) of the pipeline: whether
 * it is permitted, whether it runs, and its error; reloads the pipeline after.
 */
export function useAdminAction() {
  const { entityRef, refresh } = usePipelineContext();
  const permission = usePermission({
    permission: promotionAdminPermission,
    resourceRef: entityRef,
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const run = async (action: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      refresh();
      return true;
    } catch (e) {
      setError(errorMessage(e));
      return false;
    } finally {
      setBusy(false);
    }
  };

  return {
    entityRef,
    allowed: permission.allowed,
    busy,
    error,
    run,
  };
}
