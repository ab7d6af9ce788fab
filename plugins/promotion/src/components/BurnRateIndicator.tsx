import { Box, Typography } from '@material-ui/core';
import {
  StatusError,
  StatusOK,
  StatusWarning,
} from '@backstage/core-components';
import type { BurnRateView } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { formatBurnRate, formatObjective } from './format';

function headline(burnRate: BurnRateView) {
  if (burnRate.firing) return { Icon: StatusError, text: 'Burn rate alert' };
  if (burnRate.blind) {
    return { Icon: StatusWarning, text: 'Burn rate unknown (no data)' };
  }
  return { Icon: StatusOK, text: 'Burn rate OK' };
}

/** A lane's SLO burn rate: firing, blind or fine, with the reading of each window pair. */
export const BurnRateIndicator = ({ burnRate }: { burnRate: BurnRateView }) => {
  const { Icon, text } = headline(burnRate);
  return (
    <Box role="status" aria-label="Burn rate" data-testid="burn-rate">
      {/* A Status icon is a flex box of its own: text after it in a plain
          line would wrap under it. */}
      <Box display="flex" alignItems="center">
        <Icon />
        <Typography variant="body2">
          {text} · SLO {formatObjective(burnRate.objective)}
        </Typography>
      </Box>
      {burnRate.reason && (
        <Typography variant="caption" color="textSecondary" component="div">
          {burnRate.reason}
        </Typography>
      )}
      {burnRate.windows.map(w => (
        <Typography
          key={`${w.long}-${w.short}`}
          variant="caption"
          color="textSecondary"
          component="div"
        >
          {w.long}/{w.short}: {formatBurnRate(w.longBurnRate)} /{' '}
          {formatBurnRate(w.shortBurnRate)} (alert at {w.threshold}×)
        </Typography>
      ))}
    </Box>
  );
};
