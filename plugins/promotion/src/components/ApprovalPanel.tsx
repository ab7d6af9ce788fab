import { useId, useState } from 'react';
import { Box, Button, TextField, Typography } from '@material-ui/core';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  gateEvidence,
  promotionApprovePermission,
  type Promotion,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { promotionApiRef } from '../api';
import { useSignedInUser } from '../hooks/useSignedInUser';
import { usePipelineContext } from './PipelineContext';
import { errorMessage, formatRelative } from './format';

type Decision = 'approve' | 'reject';

/** True when a promotion waits for a human decision. */
export function needsApproval(promotion: Promotion): boolean {
  return (
    promotion.state === 'pending' &&
    promotion.gates.some(g => g.gate === 'approval' && g.verdict === 'pending')
  );
}

/** The group whose members alone may decide, when the approval gate names one. */
export function approverGroup(promotion: Promotion): string | undefined {
  const result = promotion.gates.find(g => g.gate === 'approval');
  const typed = result && gateEvidence(result);
  return typed?.gate === 'approval' && typed.evidence.group
    ? typed.evidence.group
    : undefined;
}

// Entity refs compare case-insensitively in Backstage.
const sameRef = (a: string, b: string) =>
  a.toLocaleLowerCase('en-US') === b.toLocaleLowerCase('en-US');

/** Decisions already given on a promotion. */
const ApprovalList = ({ promotion }: { promotion: Promotion }) =>
  promotion.approvals.length === 0 ? null : (
    <Box component="ul" pl={2} my={1} aria-label="Decisions">
      {promotion.approvals.map(approval => (
        <Typography
          component="li"
          variant="body2"
          key={`${approval.actor}-${approval.at}`}
        >
          {approval.actor} {approval.decision}{' '}
          <span title={approval.at}>{formatRelative(approval.at)}</span>
          {approval.comment ? `: ${approval.comment}` : ''}
        </Typography>
      ))}
    </Box>
  );

/** Comment, Approve and Reject for a promotion waiting on its approval gate. */
export const ApprovalPanel = ({ promotion }: { promotion: Promotion }) => {
  const api = useApi(promotionApiRef);
  const alertApi = useApi(alertApiRef);
  const { entityRef, refresh } = usePipelineContext();
  const permission = usePermission({
    permission: promotionApprovePermission,
    resourceRef: entityRef,
  });
  const user = useSignedInUser();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState<Decision>();
  const [error, setError] = useState<string>();
  const reasonId = useId();
  const commentId = useId();

  const author = promotion.artifact.author;
  const group = approverGroup(promotion);
  let blocked: string | undefined;
  if (!permission.loading && !permission.allowed) {
    blocked = 'not permitted';
  } else if (author && user && sameRef(author, user)) {
    blocked = 'you are the author';
  } else if (user && promotion.approvals.some(a => sameRef(a.actor, user))) {
    blocked = 'you decided already';
  }
  const disabled =
    Boolean(blocked) || permission.loading || !user || Boolean(busy);

  const decide = async (decision: Decision) => {
    setBusy(decision);
    setError(undefined);
    try {
      const options = { comment: comment.trim() || undefined };
      if (decision === 'approve') {
        await api.approvePromotion(promotion.id, options);
      } else {
        await api.rejectPromotion(promotion.id, options);
      }
      alertApi.post({
        message: `${decision === 'approve' ? 'Approved' : 'Rejected'} ${
          promotion.artifact.version
        } into ${promotion.toEnvironment}`,
        severity: 'success',
        display: 'transient',
      });
      setComment('');
      refresh();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <Box
      role="region"
      aria-label={`Approval into ${promotion.toEnvironment}`}
      mt={1}
    >
      <Typography variant="subtitle2">
        Waiting for approval of {promotion.artifact.version}
      </Typography>
      {group && (
        <Typography variant="body2" color="textSecondary">
          Approvers: members of {group}
        </Typography>
      )}
      <ApprovalList promotion={promotion} />
      <TextField
        id={commentId}
        label="Comment"
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
          disabled={disabled}
          aria-describedby={blocked ? reasonId : undefined}
          onClick={() => decide('approve')}
        >
          Approve
        </Button>
        <Button
          variant="outlined"
          disabled={disabled}
          aria-describedby={blocked ? reasonId : undefined}
          onClick={() => decide('reject')}
        >
          Reject
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
    </Box>
  );
};
