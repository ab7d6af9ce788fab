import { screen } from '@testing-library/react';
import { fakePromotionApi, renderWithApis } from '../__testUtils__/fixtures';
import { DoraCard, formatDora } from './DoraCard';

// Rendering a test app is slow on a busy machine.
jest.setTimeout(20_000);

describe('DoraCard', () => {
  it('shows the four figures for the last 30 days', async () => {
    const api = fakePromotionApi();
    api.getDoraMetrics.mockResolvedValue({
      windowDays: 30,
      deploymentFrequencyPerDay: 1.5,
      leadTimeSeconds: 2 * 3600 + 5 * 60,
      changeFailureRate: 0.125,
      timeToRestoreSeconds: 40 * 60,
    });
    await renderWithApis(<DoraCard entityRef="component:default/checkout" />, {
      api,
    });
    expect(
      await screen.findByRole('group', { name: 'Deployment frequency' }),
    ).toHaveTextContent('1.5 per day');
    expect(screen.getByRole('group', { name: 'Lead time' })).toHaveTextContent(
      '2 h 5 min',
    );
    expect(
      screen.getByRole('group', { name: 'Change failure rate' }),
    ).toHaveTextContent('13%');
    expect(
      screen.getByRole('group', { name: 'Time to restore' }),
    ).toHaveTextContent('40 min');
    expect(api.getDoraMetrics).toHaveBeenCalledWith(
      'component:default/checkout',
      { days: 30 },
    );
  });

  it('says "no data" for figures the log cannot give yet', () => {
    expect(
      formatDora({ windowDays: 30, deploymentFrequencyPerDay: 0 }),
    ).toEqual({
      frequency: '0 per day',
      leadTime: 'no data',
      changeFailureRate: 'no data',
      timeToRestore: 'no data',
    });
  });

  it('shows the error when the figures cannot be loaded', async () => {
    const api = fakePromotionApi();
    api.getDoraMetrics.mockRejectedValue(new Error('dora down'));
    await renderWithApis(<DoraCard entityRef="component:default/checkout" />, {
      api,
    });
    expect((await screen.findAllByText(/dora down/)).length).toBeGreaterThan(0);
  });
});
