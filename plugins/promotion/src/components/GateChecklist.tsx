import {
  Box,
  Chip,
  List,
  ListItem,
  ListItemIcon,
  ListItemText,
} from '@material-ui/core';
import type {
  Promotion,
  SoakView,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { GateVerdictIcon } from './GateVerdictIcon';
import { summarizeEvidence } from './gateEvidence';

/** One row per gate of a promotion: verdict icon, name, reason, errored marker and evidence. */
export const GateChecklist = ({
  promotion,
  sourceSoak,
}: {
  promotion: Promotion;
  sourceSoak?: SoakView;
}) => {
  if (promotion.gates.length === 0) {
    return null;
  }
  return (
    <List
      dense
      disablePadding
      aria-label={`Gates into ${promotion.toEnvironment}`}
    >
      {promotion.gates.map(gate => {
        const summary = summarizeEvidence(gate, sourceSoak);
        // Some gates' reasons already say what their evidence does.
        const evidence =
          summary && !gate.reason.includes(summary) ? summary : undefined;
        return (
          <ListItem
            key={gate.gate}
            disableGutters
            data-testid={`gate-${gate.gate}`}
          >
            <ListItemIcon style={{ minWidth: 32 }}>
              <GateVerdictIcon verdict={gate.verdict} />
            </ListItemIcon>
            <ListItemText
              // The Backstage theme cuts dense list text to one line; a gate's reason must be read whole.
              style={{ whiteSpace: 'normal' }}
              primary={
                <Box display="flex" alignItems="center" flexWrap="wrap">
                  <span style={{ marginRight: 8 }}>
                    {gate.gate}: {gate.verdict}
                  </span>
                  {gate.errored && (
                    <Chip size="small" color="secondary" label="errored" />
                  )}
                </Box>
              }
              secondary={
                <>
                  {gate.reason}
                  {evidence && (
                    <>
                      <br />
                      {evidence}
                    </>
                  )}
                </>
              }
            />
          </ListItem>
        );
      })}
    </List>
  );
};
