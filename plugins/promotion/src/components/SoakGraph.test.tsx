import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import type { SoakView } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { SoakGraph } from './SoakGraph';

const T0 = Date.parse('2026-12-06T12:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

const metricsSoak: SoakView = {
  deploymentId: 'd1',
  kind: 'metrics',
  startedAt: at(10),
  requiredMs: 20_000,
  thresholds: { errorRate: 0.05, latency: 0.5 },
  samples: [
    { signal: 'latency', at: at(0), value: 0.04 },
    { signal: 'latency', at: at(8), value: 1.1 },
    { signal: 'latency', at: at(12), value: 0.05 },
    { signal: 'errorRate', at: at(12), value: 0 },
  ],
  lastBreach: { at: at(8), reason: 'latency 1.1 s > 0.5 s at 12:00 UTC' },
};

describe('SoakGraph', () => {
  it('shows the window progress, the breach that restarted it and each signal against its threshold', async () => {
    await renderInTestApp(
      <SoakGraph environment="staging" soak={metricsSoak} now={T0 + 15_000} />,
    );
    expect(screen.getByText(/^Soak window/)).toHaveTextContent(
      'Soak window 5 s of 20 s',
    );
    expect(
      screen.getByRole('progressbar', { name: 'Soak progress of staging' }),
    ).toHaveAttribute('aria-valuenow', '25');
    expect(screen.getByTestId('soak-breach')).toHaveTextContent(
      'Window restarted by a breach: latency 1.1 s > 0.5 s at 12:00 UTC',
    );
    expect(screen.getByTestId('soak-latency')).toHaveTextContent(
      'latency 0.05 (max 0.5)',
    );
    expect(screen.getByTestId('soak-errorRate')).toHaveTextContent(
      'errorRate 0 (max 0.05)',
    );
  });

  it('marks a time-only soak as not judged and caps progress at the window', async () => {
    await renderInTestApp(
      <SoakGraph
        environment="dev"
        soak={{
          ...metricsSoak,
          kind: 'time',
          thresholds: {},
          lastBreach: undefined,
          requiredMs: 5_000,
        }}
        now={T0 + 60_000}
      />,
    );
    expect(screen.getByText(/^Time-only soak/)).toHaveTextContent(
      'Time-only soak 5 s of 5 s (samples shown, not judged)',
    );
    expect(
      screen.getByRole('progressbar', { name: 'Soak progress of dev' }),
    ).toHaveAttribute('aria-valuenow', '100');
    expect(screen.queryByTestId('soak-breach')).toBeNull();
    expect(screen.getByTestId('soak-latency')).toHaveTextContent(
      'latency 0.05',
    );
  });
});
