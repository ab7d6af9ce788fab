import { screen } from '@testing-library/react';
import { renderWithApis, serviceEntity } from '../__testUtils__/fixtures';
import { EntityPromotionOverviewCard } from './EntityPromotionOverviewCard';

jest.setTimeout(20_000);

describe('EntityPromotionOverviewCard', () => {
  it('shows what runs in each environment and what comes next', async () => {
    await renderWithApis(<EntityPromotionOverviewCard />);
    const table = await screen.findByRole('table', {
      name: 'What runs in each environment',
    });
    expect(table).toBeVisible();
    expect(screen.getByTestId('overview-dev')).toHaveTextContent('1.4.0');
    expect(screen.getByTestId('overview-staging')).toHaveTextContent(
      /1\.4\.0.*soaking/,
    );
    expect(screen.getByTestId('overview-prod')).toHaveTextContent(
      /1\.3\.0.*verified.*next: 1\.4\.0/,
    );
    expect(
      screen.getByRole('link', { name: /Open the pipeline/ }),
    ).toBeVisible();
  });

  it('asks for the annotation on a service without a pipeline', async () => {
    const { api } = await renderWithApis(<EntityPromotionOverviewCard />, {
      entity: serviceEntity('ledger', false),
    });
    expect(
      await screen.findByText('promotion.backstage.io/pipeline', {
        selector: 'code',
      }),
    ).toBeVisible();
    expect(api.getPipeline).not.toHaveBeenCalled();
  });
});
