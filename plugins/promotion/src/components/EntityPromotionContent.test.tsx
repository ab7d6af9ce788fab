import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  digest,
  fakePromotionApi,
  pipelineFixture,
  renderWithApis,
  serviceEntity,
  fillIn,
  findLane,
} from '../__testUtils__/fixtures';
import { EntityPromotionContent } from './EntityPromotionContent';

const lane = (name: string) => screen.getByTestId(`lane-${name}`);

// Each test renders the whole tab, which is slow on a busy machine.
jest.setTimeout(20_000);

describe('EntityPromotionContent', () => {
  it('shows the missing-annotation empty state without the pipeline annotation', async () => {
    const api = fakePromotionApi();
    await renderWithApis(<EntityPromotionContent />, {
      api,
      entity: serviceEntity('checkout', false),
    });
    expect(screen.getByText(/Missing Annotation/i)).toBeInTheDocument();
    expect(
      screen.getAllByText(/promotion\.backstage\.io\/pipeline/).length,
    ).toBeGreaterThan(0);
    expect(api.getPipeline).not.toHaveBeenCalled();
  });

  it('renders the lanes in pipeline order with their states', async () => {
    const { api, entityRef } = await renderWithApis(<EntityPromotionContent />);
    expect(await screen.findByTestId('lane-prod')).toBeInTheDocument();
    expect(api.getPipeline).toHaveBeenCalledWith(entityRef);

    const lanes = screen.getAllByTestId(/^lane-/);
    expect(lanes.map(l => l.dataset.testid)).toEqual([
      'lane-dev',
      'lane-staging',
      'lane-prod',
    ]);
    const current = (name: string) =>
      within(within(lane(name)).getByRole('group', { name: /^Current/ }));
    expect(current('dev').getByText('1.4.0')).toBeInTheDocument();
    expect(current('dev').getByTestId('deployment-state')).toHaveTextContent(
      'verified',
    );
    expect(
      current('staging').getByTestId('deployment-state'),
    ).toHaveTextContent('soaking');
    expect(current('prod').getByText('1.3.0')).toBeInTheDocument();
    expect(current('prod').getByText('aaaaaaaaaaaa')).toHaveAttribute(
      'title',
      digest('a'),
    );
    expect(
      current('prod').getByRole('button', { name: 'Copy digest of 1.3.0' }),
    ).toBeInTheDocument();
    expect(
      current('prod').getByText(/promotion by promotion-engine/),
    ).toBeInTheDocument();
    expect(
      current('prod').getByText(/since 11 minutes ago/),
    ).toBeInTheDocument();
  });

  it('marks the lanes running the same digest with matching chips', async () => {
    await renderWithApis(<EntityPromotionContent />);
    await screen.findByTestId('lane-prod');
    const devChip = within(lane('dev')).getByTestId('shared-digest');
    const stagingChip = within(lane('staging')).getByTestId('shared-digest');
    expect(devChip).toHaveTextContent('same artifact as staging');
    expect(stagingChip).toHaveTextContent('same artifact as dev');
    expect(devChip.dataset.group).toBe(stagingChip.dataset.group);
    expect(within(lane('prod')).queryByTestId('shared-digest')).toBeNull();
  });

  it('shows the previous warm artifact, or says there is none', async () => {
    await renderWithApis(<EntityPromotionContent />);
    await screen.findByTestId('lane-prod');
    const previous = within(lane('prod')).getByRole('group', {
      name: /^Previous/,
    });
    expect(previous).toHaveTextContent('1.2.0');
    expect(
      within(lane('dev')).getByText('No previous artifact'),
    ).toBeInTheDocument();
  });

  it('marks an artifact someone marked bad, with why', async () => {
    const pipeline = pipelineFixture();
    Object.assign(pipeline.environments[2].previous!.artifact, {
      bad: true,
      badReason: 'corrupts carts',
    });
    await renderWithApis(<EntityPromotionContent />, {
      api: fakePromotionApi(pipeline),
    });
    const prod = await findLane('prod');
    expect(prod.getByTestId('bad-mark')).toHaveTextContent(
      'marked bad: corrupts carts',
    );
    expect(prod.getAllByTestId('bad-mark')).toHaveLength(1);
  });

  it('lists every gate of the incoming promotion with its reason, errored marker and evidence', async () => {
    await renderWithApis(<EntityPromotionContent />);
    const gates = await (
      await findLane('prod')
    ).findByRole('list', { name: 'Gates into prod' });
    const rows = within(gates).getAllByRole('listitem');
    expect(rows.map(r => r.dataset.testid)).toEqual([
      'gate-tests',
      'gate-soak',
      'gate-migration',
      'gate-approval',
    ]);
    expect(rows[0]).toHaveTextContent('tests: passed');
    expect(rows[0]).toHaveTextContent('unit, integration, contract passed');
    expect(rows[1]).toHaveTextContent('soak 11 of 15 min');
    expect(rows[2]).toHaveTextContent('could not read schema history');
    expect(within(rows[2]).getByText('errored')).toBeInTheDocument();
    expect(within(rows[1]).queryByText('errored')).toBeNull();
    expect(rows[3]).toHaveTextContent('needs approval: schema-migration');
    expect(within(rows[0]).getByTestId('status-ok')).toBeInTheDocument();
    expect(within(rows[2]).getByTestId('status-error')).toBeInTheDocument();
  });

  it('shows variables with values and secrets by name only', async () => {
    await renderWithApis(<EntityPromotionContent />);
    const table = await (
      await findLane('staging')
    ).findByRole('table', {
      name: 'Variables of staging',
    });
    expect(table).toHaveTextContent('API_URL');
    expect(table).toHaveTextContent('https://staging.example.com');
    expect(table).toHaveTextContent('DB_PASSWORD');
    expect(table).toHaveTextContent('secret');
  });

  it('draws the soak of a lane, and an empty state without samples', async () => {
    await renderWithApis(<EntityPromotionContent />);
    const soak = await (
      await findLane('staging')
    ).findByRole('figure', { name: 'Soak of staging' });
    expect(soak).toHaveTextContent('Soak window 11 min of 15 min');
    expect(within(soak).getByTestId('soak-errorRate')).toHaveTextContent(
      'errorRate 0.004 (max 0.01)',
    );
    expect(
      within(lane('dev')).getByText('No soak samples yet'),
    ).toBeInTheDocument();
  });

  it('shows the burn rate of a lane that has one', async () => {
    await renderWithApis(<EntityPromotionContent />);
    const burn = await within(
      await screen.findByTestId('lane-prod'),
    ).findByTestId('burn-rate');
    expect(burn).toHaveTextContent('Burn rate OK');
    expect(burn).toHaveTextContent('SLO 99.9%');
    expect(burn).toHaveTextContent('1h/5m: 0.5× / 0.7×');
    expect(within(lane('dev')).queryByTestId('burn-rate')).toBeNull();
  });

  it('lists holds with who and why and releases one', async () => {
    const { api, entityRef } = await renderWithApis(<EntityPromotionContent />);
    const hold = await screen.findByTestId('hold-h-1');
    expect(hold).toHaveTextContent('held by user:default/bob');
    expect(hold).toHaveTextContent('rolled back: error rate');
    await userEvent.click(
      await within(hold).findByRole('button', {
        name: 'Release hold on dddddddddddd in prod',
      }),
    );
    await waitFor(() =>
      expect(api.releaseHold).toHaveBeenCalledWith(entityRef, 'h-1'),
    );
  });

  it('hides admin controls without the admin permission', async () => {
    const pipeline = pipelineFixture();
    pipeline.environments[2].freezes = [
      {
        id: 'f-9',
        environment: 'prod',
        reason: 'incident 42',
        createdBy: 'user:default/dana',
        createdAt: new Date().toISOString(),
      },
    ];
    await renderWithApis(<EntityPromotionContent />, {
      api: fakePromotionApi(pipeline),
      denied: ['promotion.admin'],
    });
    const prod = await findLane('prod');
    await prod.findByTestId('hold-h-1');
    const banner = within(screen.getByTestId('freeze-banner'));
    expect(banner.getByText(/incident 42/)).toBeInTheDocument();
    // The permission check is asynchronous: wait for it to settle.
    await waitFor(() =>
      expect(prod.queryByRole('button', { name: /Release hold/ })).toBeNull(),
    );
    expect(
      prod.queryByRole('button', { name: /^Stop the line in/ }),
    ).toBeNull();
    expect(banner.queryByRole('button', { name: /Lift freeze/ })).toBeNull();
  });

  it('shows a freeze banner when a lane is frozen and lifts the freeze', async () => {
    const pipeline = pipelineFixture();
    pipeline.environments[2].freezes = [
      {
        id: 'f-9',
        environment: 'prod',
        reason: 'incident 42',
        createdBy: 'user:default/dana',
        createdAt: new Date().toISOString(),
      },
    ];
    const api = fakePromotionApi(pipeline);
    await renderWithApis(<EntityPromotionContent />, { api });
    const banner = await screen.findByTestId('freeze-banner');
    expect(banner).toHaveTextContent('promotions into prod are frozen');
    expect(banner).toHaveTextContent(
      '(all services) frozen by user:default/dana',
    );
    expect(banner).toHaveTextContent('incident 42');
    await userEvent.click(
      await within(banner).findByRole('button', {
        name: 'Lift freeze on prod',
      }),
    );
    await waitFor(() => expect(api.liftFreeze).toHaveBeenCalledWith('f-9'));
  });

  it('has no freeze banner when nothing is frozen', async () => {
    await renderWithApis(<EntityPromotionContent />);
    await screen.findByTestId('lane-prod');
    expect(screen.queryByTestId('freeze-banner')).toBeNull();
  });

  it('stops the line with a reason', async () => {
    const { api, entityRef } = await renderWithApis(<EntityPromotionContent />);
    await userEvent.click(
      await (
        await findLane('staging')
      ).findByRole('button', { name: 'Stop the line in staging' }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Stop the line in staging',
    });
    const confirm = within(dialog).getByRole('button', {
      name: 'Stop the line',
    });
    expect(confirm).toBeDisabled();
    await fillIn(within(dialog).getByLabelText(/Reason/), 'bad data');
    await userEvent.click(within(dialog).getByLabelText('All services'));
    await userEvent.click(confirm);
    await waitFor(() =>
      expect(api.createFreeze).toHaveBeenCalledWith(entityRef, {
        environment: 'staging',
        reason: 'bad data',
        allServices: true,
      }),
    );
  });

  it('shows the error panel when the pipeline cannot be loaded', async () => {
    const api = fakePromotionApi();
    api.getPipeline.mockRejectedValue(new Error('backend unreachable'));
    await renderWithApis(<EntityPromotionContent />, { api });
    const messages = await screen.findAllByText(/backend unreachable/);
    expect(messages.length).toBeGreaterThan(0);
    expect(screen.queryByTestId('lane-dev')).toBeNull();
  });

  it('shows an empty state for a pipeline without environments', async () => {
    const api = fakePromotionApi({ ...pipelineFixture(), environments: [] });
    await renderWithApis(<EntityPromotionContent />, { api });
    expect(await screen.findByText('No environments')).toBeInTheDocument();
  });
});
