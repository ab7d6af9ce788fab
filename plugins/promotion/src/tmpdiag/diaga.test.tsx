import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderWithApis } from '../__testUtils__/fixtures';
import { EntityPromotionContent } from '../components/EntityPromotionContent';

describe('diag', () => {
  for (let i = 0; i < 6; i++) {
    it(`renders ${i}`, async () => {
      await renderWithApis(<EntityPromotionContent />);
      const button = await screen.findByRole('button', { name: 'Roll back prod' });
      await waitFor(() => expect(button).toBeEnabled());
      await userEvent.click(button);
      await screen.findByRole('dialog');
    });
  }
});
