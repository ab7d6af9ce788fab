import { waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ResponseError } from '@backstage/errors';
import {
  AUTHOR,
  fakePromotionApi,
  pipelineFixture,
  renderWithApis,
  fillIn,
  findLane,
} from '../__testUtils__/fixtures';
import { EntityPromotionContent } from './EntityPromotionContent';

async function approvalPanel() {
  return (await findLane('prod')).findByRole('region', {
    name: 'Approval into prod',
  });
}

// Each test renders the whole tab, which is slow on a busy machine.
jest.setTimeout(20_000);

describe('ApprovalPanel', () => {
  it('is disabled for the author of the artifact', async () => {
    await renderWithApis(<EntityPromotionContent />, { user: AUTHOR });
    const panel = await approvalPanel();
    expect(
      await within(panel).findByText('you are the author'),
    ).toBeInTheDocument();
    expect(
      within(panel).getByRole('button', { name: 'Approve' }),
    ).toBeDisabled();
    expect(
      within(panel).getByRole('button', { name: 'Reject' }),
    ).toBeDisabled();
    expect(within(panel).getByLabelText('Comment')).toBeDisabled();
  });

  it('is disabled when the user may not approve', async () => {
    await renderWithApis(<EntityPromotionContent />, {
      denied: ['promotion.approve'],
    });
    const panel = await approvalPanel();
    expect(await within(panel).findByText('not permitted')).toBeInTheDocument();
    expect(
      within(panel).getByRole('button', { name: 'Approve' }),
    ).toBeDisabled();
    expect(
      within(panel).getByRole('button', { name: 'Approve' }),
    ).toHaveAccessibleDescription('not permitted');
  });

  it('approves with the comment and reports success', async () => {
    const { api, alertApi } = await renderWithApis(<EntityPromotionContent />);
    const panel = await approvalPanel();
    const approve = within(panel).getByRole('button', { name: 'Approve' });
    await waitFor(() => expect(approve).toBeEnabled());
    expect(
      within(panel).queryByText(/not permitted|you are the author/),
    ).toBeNull();

    await fillIn(within(panel).getByLabelText('Comment'), 'migration reviewed');
    const fetchesBefore = api.getPipeline.mock.calls.length;
    await userEvent.click(approve);

    await waitFor(() =>
      expect(api.approvePromotion).toHaveBeenCalledWith('p-1', {
        comment: 'migration reviewed',
      }),
    );
    expect(api.rejectPromotion).not.toHaveBeenCalled();
    await waitFor(() =>
      expect(alertApi.post).toHaveBeenCalledWith(
        expect.objectContaining({
          message: 'Approved 1.4.0 into prod',
          severity: 'success',
        }),
      ),
    );
    // The pipeline is fetched again so the gate shows its new verdict.
    await waitFor(() =>
      expect(api.getPipeline.mock.calls.length).toBeGreaterThan(fetchesBefore),
    );
  });

  it('rejects without a comment', async () => {
    const { api } = await renderWithApis(<EntityPromotionContent />);
    const panel = await approvalPanel();
    const reject = within(panel).getByRole('button', { name: 'Reject' });
    await waitFor(() => expect(reject).toBeEnabled());
    await userEvent.click(reject);
    await waitFor(() =>
      expect(api.rejectPromotion).toHaveBeenCalledWith('p-1', {
        comment: undefined,
      }),
    );
  });

  it("shows the server's reason when the decision is refused", async () => {
    const api = fakePromotionApi();
    api.approvePromotion.mockRejectedValue(
      await ResponseError.fromResponse(
        new Response(
          JSON.stringify({
            error: {
              name: 'NotAllowedError',
              message: 'the author may not approve',
            },
            response: { statusCode: 403 },
          }),
          { status: 403, headers: { 'Content-Type': 'application/json' } },
        ) as any,
      ),
    );
    await renderWithApis(<EntityPromotionContent />, { api });
    const panel = await approvalPanel();
    const approve = within(panel).getByRole('button', { name: 'Approve' });
    await waitFor(() => expect(approve).toBeEnabled());
    await userEvent.click(approve);
    expect(await within(panel).findByRole('alert')).toHaveTextContent(
      'the author may not approve',
    );
  });

  it('names the approver group and shows the refusal of a non-member', async () => {
    const pipeline = pipelineFixture();
    const gates = pipeline.environments[2].promotion!.gates;
    gates[3] = {
      ...gates[3],
      evidence: {
        risk: ['schema-migration'],
        approvals: [],
        group: 'group:default/payments-approvers',
      },
    };
    const api = fakePromotionApi(pipeline);
    api.approvePromotion.mockRejectedValue(
      await ResponseError.fromResponse(
        new Response(
          JSON.stringify({
            error: {
              name: 'NotAllowedError',
              message:
                'only members of group:default/payments-approvers may approve',
            },
            response: { statusCode: 403 },
          }),
          { status: 403, headers: { 'Content-Type': 'application/json' } },
        ) as any,
      ),
    );
    await renderWithApis(<EntityPromotionContent />, { api });
    const panel = await approvalPanel();
    expect(panel).toHaveTextContent(
      'Approvers: members of group:default/payments-approvers',
    );
    const approve = within(panel).getByRole('button', { name: 'Approve' });
    await waitFor(() => expect(approve).toBeEnabled());
    await userEvent.click(approve);
    expect(await within(panel).findByRole('alert')).toHaveTextContent(
      'only members of group:default/payments-approvers may approve',
    );
  });

  it('names no group when the approval gate has none', async () => {
    await renderWithApis(<EntityPromotionContent />);
    const panel = await approvalPanel();
    expect(within(panel).queryByText(/Approvers:/)).toBeNull();
  });

  it('lists earlier decisions and blocks a second one by the same user', async () => {
    const pipeline = pipelineFixture();
    pipeline.environments[2].promotion!.approvals = [
      {
        actor: 'user:default/carol',
        decision: 'approved',
        comment: 'ok from QA',
        at: new Date().toISOString(),
      },
    ];
    await renderWithApis(<EntityPromotionContent />, {
      api: fakePromotionApi(pipeline),
      user: 'user:default/carol',
    });
    const panel = await approvalPanel();
    expect(
      within(panel).getByRole('list', { name: 'Decisions' }),
    ).toHaveTextContent('user:default/carol approved');
    expect(
      await within(panel).findByText('you decided already'),
    ).toBeInTheDocument();
    expect(
      within(panel).getByRole('button', { name: 'Approve' }),
    ).toBeDisabled();
  });

  it('is absent when no approval gate is pending', async () => {
    const pipeline = pipelineFixture();
    const gates = pipeline.environments[2].promotion!.gates;
    gates[3] = { ...gates[3], verdict: 'passed', reason: 'approved by dana' };
    await renderWithApis(<EntityPromotionContent />, {
      api: fakePromotionApi(pipeline),
    });
    const prod = await findLane('prod');
    await prod.findByRole('list', { name: 'Gates into prod' });
    expect(
      prod.queryByRole('region', { name: 'Approval into prod' }),
    ).toBeNull();
    expect(prod.queryByRole('button', { name: 'Approve' })).toBeNull();
  });
});
