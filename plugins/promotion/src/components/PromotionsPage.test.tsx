import { screen, within } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { fakePromotionApi } from '../__testUtils__/fixtures';
import { PromotionApi, promotionApiRef } from '../api';
import { PromotionsPage } from './PromotionsPage';

jest.setTimeout(20_000);

async function renderPage(api: jest.Mocked<PromotionApi>) {
  return renderInTestApp(
    <TestApiProvider apis={[[promotionApiRef, api]]}>
      <PromotionsPage />
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

describe('PromotionsPage', () => {
  it("lists approvals, stopped lines and freezes, what moves and rollbacks, each linking to the service's tab", async () => {
    const api = fakePromotionApi();
    await renderPage(api);

    const approvals = await screen.findByRole('region', {
      name: 'Waiting for your approval',
    });
    expect(screen.getByText('Waiting for your approval (1)')).toBeVisible();
    expect(
      within(approvals).getByRole('link', { name: 'payments' }),
    ).toHaveAttribute('href', '/catalog/default/component/payments/pipeline');
    expect(approvals).toHaveTextContent('staging → prod');
    expect(approvals).toHaveTextContent('2.1.0');

    const freezes = screen.getByRole('region', {
      name: 'Stopped lines and freezes',
    });
    // Two stopped lines and one calendar frozen now.
    expect(screen.getByText('Stopped lines and freezes (3)')).toBeVisible();
    expect(freezes).toHaveTextContent('into prod: INC-42 payment outage');
    expect(freezes).toHaveTextContent('every service into staging: Load test');
    expect(freezes).toHaveTextContent(
      'standard/prod frozen: On-call handoff hour, opens Mon 7 Dec 10:00 Europe/Berlin',
    );
    expect(freezes).toHaveTextContent(
      'Next freeze of standard/prod: Fri 11 Dec 15:00 Europe/Berlin',
    );

    const inFlight = screen.getByRole('region', { name: 'In flight' });
    expect(inFlight).toHaveTextContent('waiting on approval');
    expect(inFlight).toHaveTextContent('soaking');

    const rollbacks = screen.getByRole('region', { name: 'Recent rollbacks' });
    expect(
      within(rollbacks).getByRole('link', { name: 'checkout' }),
    ).toHaveAttribute('href', '/catalog/default/component/checkout/pipeline');
    // 7.5 s to recover, as people read it.
    expect(rollbacks).toHaveTextContent('8 s');
    expect(rollbacks).toHaveTextContent('automatic');
    expect(api.getOverview).toHaveBeenCalledTimes(1);
  });

  it('says so when there is nothing to show', async () => {
    const api = fakePromotionApi();
    api.getOverview.mockResolvedValue({
      generatedAt: new Date().toISOString(),
      approvals: [],
      stoppedLines: [],
      calendars: [],
      inFlight: [],
      rollbacks: [],
    });
    await renderPage(api);
    expect(await screen.findByText('Nothing to show')).toBeVisible();
  });

  it('shows the error when the overview cannot be loaded', async () => {
    const api = fakePromotionApi();
    api.getOverview.mockRejectedValue(new Error('backend down'));
    await renderPage(api);
    expect(await screen.findByText('Error: backend down')).toBeVisible();
  });
});
