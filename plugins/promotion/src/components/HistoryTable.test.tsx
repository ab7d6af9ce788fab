import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { AuditEvent } from '@promotion-pipeline/backstage-plugin-promotion-common';
import {
  digest,
  fakePromotionApi,
  renderWithApis,
} from '../__testUtils__/fixtures';
import { HistoryTable } from './HistoryTable';

function event(id: string, kind: string, environment?: string): AuditEvent {
  return {
    id,
    entityRef: 'component:default/checkout',
    environment,
    digest: digest('b'),
    kind,
    actor: 'user:default/alice',
    at: new Date().toISOString(),
    details: { reason: `reason ${id}` },
  };
}

function setup() {
  const api = fakePromotionApi();
  api.listEvents.mockImplementation(async (_ref, options) =>
    options?.cursor === 'page-2'
      ? { items: [event('e3', 'deployment.failed', 'prod')], totalCount: 3 }
      : {
          items: [
            event('e1', 'deployment.verified', 'prod'),
            event('e2', 'gate.verdict'),
          ],
          nextCursor: 'page-2',
          totalCount: 3,
        },
  );
  return api;
}

/** The filter select labelled `label` (the table has a column header of the same name). */
const filter = (label: string) =>
  screen
    .getAllByRole('button', { name: new RegExp(`^${label}`) })
    .find(el => el.getAttribute('aria-haspopup') === 'listbox')!;

const render = (api = setup()) =>
  renderWithApis(
    <HistoryTable
      entityRef="component:default/checkout"
      environments={['dev', 'prod']}
    />,
    { api },
  );

// Rendering a test app is slow on a busy machine.
jest.setTimeout(20_000);

describe('HistoryTable', () => {
  it('shows the newest events first with their details', async () => {
    const { api } = await render();
    expect(await screen.findByText('deployment.verified')).toBeInTheDocument();
    expect(screen.getByText('reason e1')).toBeInTheDocument();
    expect(screen.getByText('gate.verdict')).toBeInTheDocument();
    expect(api.listEvents).toHaveBeenCalledWith('component:default/checkout', {
      environment: undefined,
      kind: undefined,
      cursor: undefined,
      limit: 20,
    });
    expect(screen.getByText(/Page 1 · 3 events/)).toBeInTheDocument();
  });

  it('pages older and back to newer by cursor', async () => {
    const { api } = await render();
    await screen.findByText('deployment.verified');
    expect(screen.getByRole('button', { name: 'Newer events' })).toBeDisabled();

    await userEvent.click(screen.getByRole('button', { name: 'Older events' }));
    expect(await screen.findByText('deployment.failed')).toBeInTheDocument();
    expect(api.listEvents).toHaveBeenLastCalledWith(
      'component:default/checkout',
      expect.objectContaining({ cursor: 'page-2' }),
    );
    expect(screen.getByRole('button', { name: 'Older events' })).toBeDisabled();

    await userEvent.click(screen.getByRole('button', { name: 'Newer events' }));
    expect(await screen.findByText('deployment.verified')).toBeInTheDocument();
  });

  it('filters by environment and kind, starting again at the first page', async () => {
    const { api } = await render();
    await screen.findByText('deployment.verified');
    await userEvent.click(screen.getByRole('button', { name: 'Older events' }));
    await screen.findByText('deployment.failed');

    await userEvent.click(filter('Environment'));
    await userEvent.click(await screen.findByRole('option', { name: 'prod' }));
    await waitFor(() =>
      expect(api.listEvents).toHaveBeenLastCalledWith(
        'component:default/checkout',
        {
          environment: 'prod',
          kind: undefined,
          cursor: undefined,
          limit: 20,
        },
      ),
    );

    await userEvent.click(filter('Kind'));
    await userEvent.click(
      await screen.findByRole('option', { name: 'deployment (all)' }),
    );
    await waitFor(() =>
      expect(api.listEvents).toHaveBeenLastCalledWith(
        'component:default/checkout',
        {
          environment: 'prod',
          kind: 'deployment',
          cursor: undefined,
          limit: 20,
        },
      ),
    );

    await userEvent.click(filter('Kind'));
    await userEvent.click(
      await screen.findByRole('option', { name: 'deployment.rolled_back' }),
    );
    await waitFor(() =>
      expect(api.listEvents).toHaveBeenLastCalledWith(
        'component:default/checkout',
        expect.objectContaining({ kind: 'deployment.rolled_back' }),
      ),
    );
  });

  it('lists the events instead of a table on a phone-sized screen', async () => {
    const matchMedia = window.matchMedia;
    // jsdom has no layout: answer every media query as a narrow screen would.
    window.matchMedia = (query: string) =>
      ({
        matches: /max-width/.test(query),
        media: query,
        onchange: null,
        addListener: () => {},
        removeListener: () => {},
        addEventListener: () => {},
        removeEventListener: () => {},
        dispatchEvent: () => false,
      } as MediaQueryList);
    try {
      const api = setup();
      api.listEvents.mockResolvedValue({
        items: [
          {
            ...event('e1', 'deployment.superseded', 'prod'),
            details: { reason: `replaced by ${digest('c')}` },
          },
        ],
        totalCount: 1,
      });
      await render(api);
      const list = await screen.findByRole('list', { name: 'Events' });
      expect(screen.queryByRole('table')).toBeNull();
      const item = within(list).getByRole('listitem');
      expect(item).toHaveTextContent('deployment.superseded · prod');
      expect(item).toHaveTextContent('user:default/alice · bbbbbbbbbbbb');
      expect(
        within(item).getByText('replaced by cccccccccccc'),
      ).toHaveAttribute('title', `replaced by ${digest('c')}`);
    } finally {
      window.matchMedia = matchMedia;
    }
  });

  it('shows an empty table when there are no events', async () => {
    const api = fakePromotionApi();
    await render(api);
    expect(await screen.findByText('No events')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Older events' })).toBeDisabled();
  });
});
