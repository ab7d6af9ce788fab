import { Box, Typography } from '@material-ui/core';
import {
  StatusError,
  StatusOK,
  StatusWarning,
} from '@backstage/core-components';
import type { BurnRateView } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { formatBurnRate, formatObjective } from './format';

function headline(burnRate: BurnRateView) {
  if (burnRate.firing) {
    return { icon: <StatusError />, text: 'Burn rate alert' };
  }
  if (burnRate.blind) {
    return { icon: <StatusWarning />, text: 'Burn rate unknown (no data)' };
  }
  return { icon: <StatusOK />, text: 'Burn rate OK' };
}

/** A lane's SLO burn rate: firing, blind or fine, with the reading of each window pair. */
export const BurnRateIndicator = ({ burnRate }: { burnRate: BurnRateView }) => {
  const { icon, text } = headline(burnRate);
  return (
    <Box role="status" aria-label="Burn rate" data-testid="burn-rate">
      <Typography variant="body2">
        {icon}
        {text} · SLO {formatObjective(burnRate.objective)}
      </Typography>
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
