import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  digest,
  fillIn,
  findLane,
  renderWithApis,
} from '../__testUtils__/fixtures';
import { EntityPromotionContent } from './EntityPromotionContent';

// Each test renders the whole tab, which is slow on a busy machine.
jest.setTimeout(20_000);

describe('RollbackButton', () => {
  it('is disabled with a reason when the lane has no previous artifact', async () => {
    await renderWithApis(<EntityPromotionContent />);
    const button = await (
      await findLane('dev')
    ).findByRole('button', { name: 'Roll back dev' });
    expect(button).toBeDisabled();
    expect(button).toHaveAccessibleDescription('no previous artifact');
  });

  it('is disabled with a reason when the user may not roll back', async () => {
    await renderWithApis(<EntityPromotionContent />, {
      denied: ['promotion.rollback'],
    });
    const button = await (
      await findLane('prod')
    ).findByRole('button', { name: 'Roll back prod' });
    await waitFor(() =>
      expect(button).toHaveAccessibleDescription('not permitted'),
    );
    expect(button).toBeDisabled();
  });

  it('confirms with the exact version and digest, then rolls back with the reason', async () => {
    const { api, alertApi, entityRef } = await renderWithApis(
      <EntityPromotionContent />,
    );
    const button = await (
      await findLane('prod')
    ).findByRole('button', { name: 'Roll back prod' });
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);

    const dialog = await screen.findByRole('dialog', {
      name: 'Roll back prod',
    });
    expect(dialog).toHaveTextContent(
      'prod returns to version 1.2.0 (now 1.3.0)',
    );
    expect(
      within(dialog).getByTestId('rollback-target-digest'),
    ).toHaveTextContent(digest('c'));

    const confirm = within(dialog).getByRole('button', { name: 'Roll back' });
    expect(confirm).toBeDisabled();
    await fillIn(within(dialog).getByLabelText(/Reason/), 'latency regression');
    await userEvent.click(confirm);

    await waitFor(() =>
      expect(api.rollback).toHaveBeenCalledWith(entityRef, {
        environment: 'prod',
        reason: 'latency regression',
        targetDigest: digest('c'),
      }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(alertApi.post).toHaveBeenCalledWith(
      expect.objectContaining({ message: 'Rolling back prod to 1.2.0' }),
    );
  });

  it('keeps the dialog open and shows the error when the rollback is refused', async () => {
    const { api } = await renderWithApis(<EntityPromotionContent />);
    api.rollback.mockRejectedValue(new Error('migration check failed'));
    const button = await (
      await findLane('staging')
    ).findByRole('button', { name: 'Roll back staging' });
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);
    const dialog = await screen.findByRole('dialog', {
      name: 'Roll back staging',
    });
    await fillIn(within(dialog).getByLabelText(/Reason/), 'bad');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Roll back' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'migration check failed',
    );
  });
});
