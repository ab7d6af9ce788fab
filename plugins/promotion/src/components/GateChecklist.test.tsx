import { renderInTestApp } from '@backstage/test-utils';
import { within } from '@testing-library/react';
import type {
  BuiltInGateName,
  GateEvidenceMap,
  GateResult,
  Promotion,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { artifact, ENTITY_REF } from '../__testUtils__/fixtures';
import { GateChecklist } from './GateChecklist';

const at = '2024-05-01T12:00:00.000Z';

/** A gate result whose evidence has the type its gate writes. */
function result<G extends BuiltInGateName>(
  gate: G,
  reason: string,
  evidence: GateEvidenceMap[G],
): GateResult {
  return {
    gate,
    verdict: 'pending',
    reason,
    errored: false,
    evidence,
    evaluatedAt: at,
  };
}

const gates: GateResult[] = [
  result('tests', 'waiting for contract', {
    required: ['unit', 'contract'],
    results: {
      unit: { suite: 'unit', status: 'passed', reportedAt: at },
      contract: null,
    },
  }),
  result('e2e', 'e2e failed against staging', {
    required: ['e2e'],
    environment: 'staging',
    results: {
      e2e: {
        suite: 'e2e',
        environment: 'staging',
        status: 'failed',
        reportedAt: at,
      },
    },
  }),
  result('soak', 'soak 7 of 15 min in staging', {
    deploymentId: 'd-1',
    environment: 'staging',
    provider: 'prometheus',
    windowStartedAt: at,
    elapsedMs: 7.2 * 60_000,
    requiredMs: 15 * 60_000,
    thresholds: { errorRate: 0.01 },
    latest: { errorRate: { at, value: 0.002 } },
  }),
  result('window', 'freeze: weekend', {
    calendar: 'prod-calendar',
    rule: 'weekend',
    until: '2024-05-06T06:00:00.000Z',
    timezone: 'Europe/Berlin',
  }),
  result('approval', 'waiting for approval', {
    risk: ['schema-migration'],
    approvals: [],
    group: 'group:default/dba',
  }),
  result('migration', 'schema compatible', {
    incoming: { schemaVersion: 5, minCompatibleSchemaVersion: 4 },
    running: { schemaVersion: 4, minCompatibleSchemaVersion: 3 },
  }),
  result('hold', 'prod is held', { holdId: 'h-1' }),
];

const promotion: Promotion = {
  id: 'p-1',
  entityRef: ENTITY_REF,
  artifact: artifact('1.4.0', 'b'),
  fromEnvironment: 'staging',
  toEnvironment: 'prod',
  trigger: 'promotion',
  state: 'pending',
  actor: 'promotion-engine',
  approvals: [],
  createdAt: at,
  updatedAt: at,
  gates,
};

describe('GateChecklist', () => {
  it("renders each built-in gate's evidence from its typed shape", async () => {
    const { getByRole } = await renderInTestApp(
      <GateChecklist promotion={promotion} />,
    );
    const list = getByRole('list', { name: 'Gates into prod' });
    const row = (gate: string) => within(list).getByTestId(`gate-${gate}`);

    expect(row('tests')).toHaveTextContent('unit passed, contract missing');
    expect(row('e2e')).toHaveTextContent('e2e failed against staging');
    expect(row('soak')).toHaveTextContent('soak 7 of 15 min');
    expect(row('window')).toHaveTextContent(
      `weekend until ${new Date('2024-05-06T06:00:00.000Z').toLocaleString()}`,
    );
    expect(row('approval')).toHaveTextContent(
      'risky: schema-migration; approvers: group:default/dba',
    );
    expect(row('migration')).toHaveTextContent(
      'incoming schema 5 (code from 4), running schema 4 (code from 3)',
    );
    // The hold's reason says it all; its id is not shown.
    expect(row('hold')).toHaveTextContent('prod is held');
    expect(row('hold')).not.toHaveTextContent('h-1');
  });

  it('shows a stop-the-line freeze and an open window', async () => {
    const stopped = result('window', 'stop the line: incident', {
      freezeId: 'f-1',
      freezeIds: ['f-1'],
      entityRef: null,
      environment: 'prod',
      createdBy: 'user:default/bob',
      createdAt: at,
    });
    const { getByTestId, rerender } = await renderInTestApp(
      <GateChecklist promotion={{ ...promotion, gates: [stopped] }} />,
    );
    expect(getByTestId('gate-window')).toHaveTextContent(
      'stopped by user:default/bob',
    );
    rerender(
      <GateChecklist
        promotion={{
          ...promotion,
          gates: [
            result('window', 'window open', {
              calendar: 'prod-calendar',
              timezone: 'Europe/Berlin',
            }),
          ],
        }}
      />,
    );
    expect(getByTestId('gate-window')).toHaveTextContent(
      'calendar prod-calendar (Europe/Berlin)',
    );
  });
});
