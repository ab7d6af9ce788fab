import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ResponseError } from '@backstage/errors';
import {
  autoRollbackFixture,
  digest,
  fakePromotionApi,
  fillIn,
  findLane,
  pipelineWithAutoRollback,
  renderWithApis,
} from '../__testUtils__/fixtures';
import { EntityPromotionContent } from './EntityPromotionContent';

async function panel() {
  return (await findLane('prod')).findByRole('region', {
    name: 'Rolled back automatically',
  });
}

async function refused(status: number, name: string, message: string) {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name, message },
        response: { statusCode: status },
      }),
      { status, headers: { 'Content-Type': 'application/json' } },
    ) as any,
  );
}

// Each test renders the whole tab, which is slow on a busy machine.
jest.setTimeout(20_000);

describe('AutoRollbackPanel', () => {
  it('says what was rolled back to what, why, the burn rates and the time to roll back', async () => {
    await renderWithApis(<EntityPromotionContent />, {
      api: fakePromotionApi(pipelineWithAutoRollback()),
    });
    const region = within(await panel());
    expect(region.getByText('aaaaaaaaaaaa')).toHaveAttribute(
      'title',
      digest('a'),
    );
    expect(region.getByText('cccccccccccc')).toHaveAttribute(
      'title',
      digest('c'),
    );
    expect(region.getByTestId('rollback-versions')).toHaveTextContent(
      '1.3.0 aaaaaaaaaaaa → 1.2.0 cccccccccccc',
    );
    expect(
      region.getByText('error budget burning 20x too fast (1h/5m)'),
    ).toBeInTheDocument();
    expect(
      region.getByText(/Burn rate of the 99\.9% SLO, over threshold for 2 min/),
    ).toBeInTheDocument();
    const windows = region.getAllByRole('listitem');
    expect(windows.map(w => w.textContent)).toEqual([
      '1h / 5m: 20× / 31.2× (alert at 14.4×) · firing',
      '6h / 30m: 4.1× / 7× (alert at 6×) · ok',
    ]);
    expect(region.getByTestId('time-to-roll-back')).toHaveTextContent('42 s');
    // Not restored yet in the fixture: no time to recover to show.
    expect(region.getByTestId('time-to-recover')).toHaveTextContent(
      'not recovered yet',
    );
    expect(region.getByText('5 minutes ago')).toBeInTheDocument();

    // Only prod rolled back; the other lanes have no panel.
    for (const env of ['dev', 'staging']) {
      expect(
        (await findLane(env)).queryByRole('region', {
          name: 'Rolled back automatically',
        }),
      ).toBeNull();
    }
  });

  it('is absent when the lane has no unanswered automatic rollback', async () => {
    await renderWithApis(<EntityPromotionContent />);
    const prod = await findLane('prod');
    await prod.findByRole('group', { name: /^Current/ });
    expect(prod.queryByTestId('auto-rollback')).toBeNull();
  });

  it('confirms the rollback with the comment and reloads the pipeline', async () => {
    const api = fakePromotionApi(pipelineWithAutoRollback());
    const { alertApi } = await renderWithApis(<EntityPromotionContent />, {
      api,
    });
    const region = within(await panel());
    const confirm = region.getByRole('button', {
      name: 'Confirm rollback of prod',
    });
    await waitFor(() => expect(confirm).toBeEnabled());
    await fillIn(
      region.getByLabelText('Comment (optional)'),
      'checkout errors confirmed',
    );
    const fetchesBefore = api.getPipeline.mock.calls.length;
    await userEvent.click(confirm);

    await waitFor(() =>
      expect(api.confirmRollback).toHaveBeenCalledWith('rb-1', {
        comment: 'checkout errors confirmed',
      }),
    );
    expect(api.overrideRollback).not.toHaveBeenCalled();
    await waitFor(() =>
      expect(alertApi.post).toHaveBeenCalledWith(
        expect.objectContaining({
          message: 'Confirmed the rollback of prod to 1.2.0',
          severity: 'success',
        }),
      ),
    );
    await waitFor(() =>
      expect(api.getPipeline.mock.calls.length).toBeGreaterThan(fetchesBefore),
    );
  });

  it("shows the server's reason when the rollback was answered already", async () => {
    const api = fakePromotionApi(pipelineWithAutoRollback());
    api.confirmRollback.mockRejectedValue(
      await refused(
        409,
        'ConflictError',
        'rollback rb-1 was already confirmed',
      ),
    );
    await renderWithApis(<EntityPromotionContent />, { api });
    const region = within(await panel());
    const confirm = region.getByRole('button', {
      name: 'Confirm rollback of prod',
    });
    await waitFor(() => expect(confirm).toBeEnabled());
    await userEvent.click(confirm);
    expect(await region.findByRole('alert')).toHaveTextContent(
      'rollback rb-1 was already confirmed',
    );
    expect(api.confirmRollback).toHaveBeenCalledWith('rb-1', {
      comment: undefined,
    });
  });

  it('overrides only with a comment, after saying automatic rollback will be off', async () => {
    const api = fakePromotionApi(pipelineWithAutoRollback());
    const { alertApi } = await renderWithApis(<EntityPromotionContent />, {
      api,
    });
    const region = within(await panel());
    const override = region.getByRole('button', {
      name: 'Override: redeploy 1.3.0 into prod',
    });
    expect(override).toHaveTextContent('Override: redeploy 1.3.0');
    await waitFor(() => expect(override).toBeEnabled());
    await userEvent.click(override);

    const dialog = await screen.findByRole('dialog', {
      name: 'Override: redeploy 1.3.0 into prod',
    });
    expect(dialog).toHaveTextContent('prod goes back to version 1.3.0');
    expect(dialog).toHaveTextContent(
      'Automatic rollback is off for that deployment',
    );
    expect(
      within(dialog).getByTestId('override-target-digest'),
    ).toHaveTextContent(digest('a'));
    const redeploy = within(dialog).getByRole('button', {
      name: 'Redeploy 1.3.0',
    });
    expect(redeploy).toBeDisabled();
    await fillIn(within(dialog).getByLabelText(/Why redeploy/), '   ');
    expect(redeploy).toBeDisabled();
    await fillIn(
      within(dialog).getByLabelText(/Why redeploy/),
      'burn came from a bad upstream, not 1.3.0',
    );
    await userEvent.click(redeploy);

    await waitFor(() =>
      expect(api.overrideRollback).toHaveBeenCalledWith('rb-1', {
        comment: 'burn came from a bad upstream, not 1.3.0',
      }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.confirmRollback).not.toHaveBeenCalled();
    expect(alertApi.post).toHaveBeenCalledWith(
      expect.objectContaining({
        message:
          'Redeploying 1.3.0 into prod; automatic rollback is off for it',
      }),
    );
  });

  it('keeps the override dialog open with the error when it is refused', async () => {
    const api = fakePromotionApi(pipelineWithAutoRollback());
    api.overrideRollback.mockRejectedValue(
      await refused(403, 'NotAllowedError', 'not allowed to roll back'),
    );
    await renderWithApis(<EntityPromotionContent />, { api });
    const region = within(await panel());
    const override = region.getByRole('button', { name: /^Override/ });
    await waitFor(() => expect(override).toBeEnabled());
    await userEvent.click(override);
    const dialog = await screen.findByRole('dialog');
    await fillIn(within(dialog).getByLabelText(/Why redeploy/), 'false alarm');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Redeploy 1.3.0' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'not allowed to roll back',
    );
  });

  it('disables both answers with the reason when the user may not roll back', async () => {
    await renderWithApis(<EntityPromotionContent />, {
      api: fakePromotionApi(pipelineWithAutoRollback()),
      denied: ['promotion.rollback'],
    });
    const region = within(await panel());
    const confirm = region.getByRole('button', {
      name: 'Confirm rollback of prod',
    });
    const override = region.getByRole('button', { name: /^Override/ });
    await waitFor(() =>
      expect(confirm).toHaveAccessibleDescription('not permitted'),
    );
    expect(confirm).toBeDisabled();
    expect(override).toBeDisabled();
    expect(override).toHaveAccessibleDescription('not permitted');
    expect(region.getByLabelText('Comment (optional)')).toBeDisabled();
  });

  it('renders evidence it cannot read, and a rollback not deployed yet, without failing', async () => {
    const rollback = autoRollbackFixture();
    rollback.evidence = { windows: 'none', objective: 'high' };
    delete rollback.mttrSeconds;
    delete rollback.dispatchedAt;
    await renderWithApis(<EntityPromotionContent />, {
      api: fakePromotionApi(pipelineWithAutoRollback(rollback)),
    });
    const region = within(await panel());
    expect(region.queryByText(/Burn rate/)).toBeNull();
    expect(region.queryByRole('list')).toBeNull();
    expect(region.getByTestId('time-to-roll-back')).toHaveTextContent(
      'not deployed yet',
    );
  });

  it('shows the time to recover once the previous artifact serves again', async () => {
    const rollback = autoRollbackFixture();
    rollback.impactStartedAt = new Date(Date.now() - 6 * 60_000).toISOString();
    rollback.restoredAt = new Date(Date.now() - 4 * 60_000).toISOString();
    rollback.timeToRecoverSeconds = 120;
    await renderWithApis(<EntityPromotionContent />, {
      api: fakePromotionApi(pipelineWithAutoRollback(rollback)),
    });
    const recover = within(await panel()).getByTestId('time-to-recover');
    expect(recover).toHaveTextContent('2 min');
    expect(recover).toHaveAttribute(
      'title',
      `from the first burning reading (${rollback.impactStartedAt}) to the previous artifact serving again`,
    );
  });
});
