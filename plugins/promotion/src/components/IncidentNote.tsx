import { Box, Link, Typography } from '@material-ui/core';
import {
  gateEvidence,
  type EnvironmentLane,
  type IncidentEvidence,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { formatRelative } from './format';

/** The incident gate's evidence when it is what stops promotions into the lane. */
export function incidentFreeze(
  lane: EnvironmentLane,
): IncidentEvidence | undefined {
  const gate = lane.promotion?.gates.find(g => g.gate === 'incident');
  if (!gate || gate.verdict === 'passed') return undefined;
  const typed = gateEvidence(gate);
  return typed?.gate === 'incident' ? typed.evidence : undefined;
}

/**
 * At the top of a lane while an alert (or an unreadable alert source) stops
 * promotions into it: the gate checklist says so too, further down, but an
 * incident is the first thing someone opening the tab must see.
 */
export const IncidentNote = ({ lane }: { lane: EnvironmentLane }) => {
  const freeze = incidentFreeze(lane);
  if (!freeze) return null;
  return (
    <Box
      role="status"
      aria-label={`Incident freeze on ${lane.name}`}
      data-testid="incident-freeze"
      mb={1.5}
      px={1.5}
      py={1}
      borderLeft={4}
      borderColor="error.main"
      bgcolor="action.hover"
    >
      <Typography variant="subtitle2" color="error">
        Incident freeze: promotions into {lane.name} stopped
      </Typography>
      {freeze.errored ? (
        <Typography variant="body2">
          {freeze.source} cannot be read; they stay stopped until it answers.
        </Typography>
      ) : (
        <>
          {freeze.alerts.slice(0, 3).map(alert => (
            <Typography variant="body2" key={alert.id}>
              {alert.url ? (
                <Link href={alert.url} target="_blank" rel="noopener">
                  {alert.name}
                </Link>
              ) : (
                <strong>{alert.name}</strong>
              )}
              {alert.summary ? `: ${alert.summary}` : ''}{' '}
              <span title={alert.startsAt}>
                (firing {formatRelative(alert.startsAt)})
              </span>
            </Typography>
          ))}
          <Typography variant="caption" color="textSecondary">
            at {freeze.source}; promotions resume when{' '}
            {freeze.alerts.length > 1 ? 'they resolve' : 'it resolves'}.
            Rollbacks still go through.
          </Typography>
        </>
      )}
    </Box>
  );
};
