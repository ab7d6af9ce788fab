import { Box, LinearProgress, Typography } from '@material-ui/core';
import { useTheme } from '@material-ui/core/styles';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type {
  SoakSignal,
  SoakView,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { formatDuration } from './format';

const SIGNALS: SoakSignal[] = ['errorRate', 'latency', 'saturation'];

// Latency has its own unit, so it gets its own axis; the two ratios share one.
const AXIS: Record<SoakSignal, 'ratio' | 'latency'> = {
  errorRate: 'ratio',
  saturation: 'ratio',
  latency: 'latency',
};

type Row = { at: number } & Partial<Record<SoakSignal, number>>;

/** Samples pivoted into one row per time, oldest first. */
export function soakRows(soak: SoakView): Row[] {
  const rows = new Map<number, Row>();
  for (const sample of soak.samples) {
    // NaN from a metrics source arrives as null: leave a gap rather than a zero.
    if (typeof sample.value !== 'number') continue;
    const at = new Date(sample.at).getTime();
    const row = rows.get(at) ?? { at };
    row[sample.signal] = sample.value;
    rows.set(at, row);
  }
  return [...rows.values()].sort((a, b) => a.at - b.at);
}

const formatValue = (value: number) => String(Number(value.toPrecision(3)));
// Axis ticks must fit their axis: ratios as percent, latency in ms or s
// ("0.00285" was cut to "00285" on a quiet error rate).
const formatRatioTick = (value: number) =>
  `${Number((value * 100).toPrecision(2))}%`;
const formatSecondsTick = (value: number) =>
  value >= 1
    ? `${Number(value.toPrecision(2))}s`
    : `${Number((value * 1000).toPrecision(2))}ms`;
const formatTime = (at: number, withSeconds = false) =>
  new Date(at).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    ...(withSeconds ? { second: '2-digit' } : {}),
  });

// A demo soak spans seconds: minutes alone would label every tick alike.
const SECONDS_SPAN_MS = 10 * 60_000;

/** Latest value of each signal against its threshold, as text beside the graph. */
const SoakFigures = ({ soak, rows }: { soak: SoakView; rows: Row[] }) => (
  <Box display="flex" flexWrap="wrap" style={{ gap: 12 }}>
    {SIGNALS.map(signal => {
      const latest = [...rows].reverse().find(r => r[signal] !== undefined)?.[
        signal
      ];
      const threshold = soak.thresholds[signal];
      if (latest === undefined && threshold === undefined) return null;
      const over =
        latest !== undefined && threshold !== undefined && latest > threshold;
      return (
        <Typography
          key={signal}
          variant="caption"
          color={over ? 'error' : 'textSecondary'}
          data-testid={`soak-${signal}`}
        >
          {signal} {latest === undefined ? 'no data' : formatValue(latest)}
          {threshold !== undefined ? ` (max ${formatValue(threshold)})` : ''}
        </Typography>
      );
    })}
  </Box>
);

/** Error rate, latency and saturation of a lane's soak over time, with threshold lines. */
export const SoakGraph = ({
  environment,
  soak,
  now = Date.now(),
}: {
  environment: string;
  soak?: SoakView;
  now?: number;
}) => {
  const theme = useTheme();
  const rows = soak ? soakRows(soak) : [];
  if (!soak || rows.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No soak samples yet
      </Typography>
    );
  }
  const colors: Record<SoakSignal, string> = {
    errorRate: theme.palette.error.main,
    latency: theme.palette.info.main,
    saturation: theme.palette.warning.main,
  };
  const present = SIGNALS.filter(s => rows.some(r => r[s] !== undefined));
  const startedAt = new Date(soak.startedAt).getTime();
  const elapsed = Math.min(Math.max(0, now - startedAt), soak.requiredMs);
  const breachAt = soak.lastBreach && new Date(soak.lastBreach.at).getTime();
  const withSeconds =
    rows[rows.length - 1].at - Math.min(rows[0].at, startedAt) <
    SECONDS_SPAN_MS;
  return (
    <Box role="figure" aria-label={`Soak of ${environment}`}>
      <Typography variant="body2" color="textSecondary">
        {soak.kind === 'time' ? 'Time-only soak' : 'Soak window'}{' '}
        {formatDuration(elapsed)} of {formatDuration(soak.requiredMs)}
        {soak.kind === 'time' ? ' (samples shown, not judged)' : ''}
      </Typography>
      <LinearProgress
        variant="determinate"
        value={soak.requiredMs > 0 ? (100 * elapsed) / soak.requiredMs : 100}
        aria-label={`Soak progress of ${environment}`}
      />
      {soak.lastBreach && (
        <Typography
          variant="caption"
          color="error"
          component="p"
          data-testid="soak-breach"
        >
          Window restarted by a breach: {soak.lastBreach.reason}
        </Typography>
      )}
      <ResponsiveContainer
        width="100%"
        height={180}
        initialDimension={{ width: 320, height: 180 }}
      >
        <LineChart
          data={rows}
          margin={{ top: 8, right: 8, left: 0, bottom: 0 }}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="at"
            type="number"
            scale="time"
            domain={['dataMin', 'dataMax']}
            tickFormatter={at => formatTime(at, withSeconds)}
            minTickGap={24}
          />
          <YAxis yAxisId="ratio" width={56} tickFormatter={formatRatioTick} />
          {present.includes('latency') && (
            <YAxis
              yAxisId="latency"
              orientation="right"
              width={48}
              tickFormatter={formatSecondsTick}
            />
          )}
          <Tooltip
            labelFormatter={at => formatTime(Number(at), true)}
            formatter={(value: number) => formatValue(value)}
          />
          <Legend />
          {present.map(signal => (
            <Line
              key={signal}
              yAxisId={AXIS[signal]}
              dataKey={signal}
              stroke={colors[signal]}
              dot={false}
              connectNulls
              isAnimationActive={false}
            />
          ))}
          <ReferenceLine
            yAxisId="ratio"
            x={startedAt}
            stroke={theme.palette.text.secondary}
            strokeDasharray="2 2"
            ifOverflow="extendDomain"
            label={{ value: 'window', position: 'insideTopLeft', fontSize: 10 }}
          />
          {breachAt !== undefined && (
            <ReferenceLine
              yAxisId="ratio"
              x={breachAt}
              stroke={theme.palette.error.main}
              ifOverflow="extendDomain"
              label={{
                value: 'breach',
                position: 'insideTopRight',
                fontSize: 10,
                fill: theme.palette.error.main,
              }}
            />
          )}
          {present.map(signal => {
            const threshold = soak.thresholds[signal];
            return threshold === undefined ? null : (
              <ReferenceLine
                key={`${signal}-threshold`}
                yAxisId={AXIS[signal]}
                y={threshold}
                stroke={colors[signal]}
                strokeDasharray="4 4"
                ifOverflow="extendDomain"
              />
            );
          })}
        </LineChart>
      </ResponsiveContainer>
      <SoakFigures soak={soak} rows={rows} />
    </Box>
  );
};
