import { screen, within } from '@testing-library/react';
import type { RollbackView } from '@promotion-pipeline/backstage-plugin-promotion-common';
import {
  autoRollbackFixture,
  fakePromotionApi,
  renderWithApis,
} from '../__testUtils__/fixtures';
import { medianTimeToRollBack, RollbacksCard } from './RollbacksCard';

function rollback(id: string, patch: Partial<RollbackView>): RollbackView {
  return { ...autoRollbackFixture(), id, ...patch };
}

// Rendering a test app is slow on a busy machine.
jest.setTimeout(20_000);

describe('RollbacksCard', () => {
  it('lists the latest rollbacks with their time to roll back and answer', async () => {
    const api = fakePromotionApi();
    api.listRollbacks.mockResolvedValue({
      items: [
        rollback('rb-3', {}),
        rollback('rb-2', {
          environment: 'staging',
          trigger: 'manual',
          actor: 'user:default/bob',
          mttrSeconds: 0.2,
        }),
        rollback('rb-1', {
          mttrSeconds: 90,
          timeToRecoverSeconds: 300,
          resolution: {
            decision: 'confirmed',
            actor: 'user:default/erin',
            at: new Date().toISOString(),
          },
        }),
      ],
    });
    await renderWithApis(
      <RollbacksCard entityRef="component:default/checkout" />,
      { api },
    );
    const list = await screen.findByRole('list', { name: 'Latest rollbacks' });
    expect(api.listRollbacks).toHaveBeenCalledWith(
      'component:default/checkout',
    );
    expect(
      within(list)
        .getAllByRole('listitem')
        .map(item => item.textContent),
    ).toEqual([
      expect.stringMatching(
        /^prod automatic: 1\.3\.0 → 1\.2\.0.*rolled back in 42 s · waiting for on-call$/,
      ),
      expect.stringMatching(
        /^staging manual: .*rolled back in under 1 s · by user:default\/bob$/,
      ),
      expect.stringMatching(
        /rolled back in 1 min · recovered in 5 min · confirmed by user:default\/erin$/,
      ),
    ]);
    expect(
      screen.getByRole('group', { name: 'Median time to roll back' }),
    ).toHaveTextContent('Median time to roll back, last 3 rollbacks42 s');
  });

  it('says when there are none', async () => {
    const api = fakePromotionApi();
    api.listRollbacks.mockResolvedValue({ items: [] });
    await renderWithApis(
      <RollbacksCard entityRef="component:default/checkout" />,
      { api },
    );
    expect(await screen.findByText('No rollbacks')).toBeInTheDocument();
  });
});

describe('medianTimeToRollBack', () => {
  it('takes the middle of the known times', () => {
    const at = (mttrSeconds?: number) => rollback('x', { mttrSeconds });
    expect(medianTimeToRollBack([])).toBeUndefined();
    expect(medianTimeToRollBack([at(undefined)])).toBeUndefined();
    expect(medianTimeToRollBack([at(90), at(8), at(42)])).toBe(42);
    expect(medianTimeToRollBack([at(10), at(undefined), at(30)])).toBe(20);
  });
});
