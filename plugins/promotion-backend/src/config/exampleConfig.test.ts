import { ConfigReader } from '@backstage/config';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { validateApprovalGates } from '../gates/approvalGate';
import { validateWindowGates } from '../gates/builtIn';
import { validateSoakGates } from '../gates/soak';
import { readCalendars } from '../gates/window';
import { readPipelines } from './pipelines';

const EXAMPLE = resolve(
  __dirname,
  '../../../../docs/examples/app-config.gates.yaml',
);
const GATES = ['tests', 'e2e', 'soak', 'window', 'approval', 'migration'];

describe('docs/examples/app-config.gates.yaml', () => {
  const config = new ConfigReader(parse(readFileSync(EXAMPLE, 'utf8')));

  it('passes the checks the backend runs at start-up', () => {
    const pipelines = readPipelines(config, {
      deployers: ['webhook'],
      gates: GATES,
    });
    const calendars = readCalendars(config);
    expect(() => {
      validateWindowGates(pipelines, calendars);
      validateApprovalGates(pipelines);
      validateSoakGates(pipelines, ['push', 'prometheus']);
    }).not.toThrow();
  });

  it('shows every gate, with the approval group', () => {
    const pipelines = readPipelines(config);
    const used = [...pipelines.values()].flatMap(p =>
      p.environments.flatMap(e => e.gates),
    );
    expect(new Set(used.map(g => g.name))).toEqual(new Set(GATES));
    expect(used).toContainEqual(
      expect.objectContaining({
        name: 'approval',
        options: expect.objectContaining({
          group: 'group:default/payments-approvers',
        }),
      }),
    );
  });
});

describe('the demo app-config.yaml', () => {
  const config = new ConfigReader(
    parse(
      readFileSync(resolve(__dirname, '../../../../app-config.yaml'), 'utf8'),
    ),
  );

  it('passes the checks the backend runs at start-up', () => {
    const pipelines = readPipelines(config, {
      deployers: ['local-process'],
      gates: GATES,
    });
    const calendars = readCalendars(config);
    expect(() => {
      validateWindowGates(pipelines, calendars);
      validateApprovalGates(pipelines);
      validateSoakGates(pipelines, ['push']);
    }).not.toThrow();
  });

  it('has a soak graph in every lane that soaks and a calendar on prod', () => {
    const standard = readPipelines(config).get('standard')!;
    const prod = standard.environments.find(e => e.name === 'prod')!;
    const soak = prod.gates.find(g => g.name === 'soak')!;
    expect(soak.options).toMatchObject({
      provider: 'push',
      thresholds: { errorRate: 0.05, latency: 0.5, saturation: 0.9 },
    });
    // Every lane pushes its health, so time-only soaks draw a graph too.
    for (const env of standard.environments) {
      expect(env.variables.PROMOTION_PUSH_URL).toBeDefined();
    }
    expect(prod.gates.find(g => g.name === 'window')?.options).toEqual({
      calendar: 'prod-calendar',
    });
    const calendar = readCalendars(config).get('prod-calendar')!;
    expect(calendar.deny.map(r => r.name)).toEqual([
      'friday-afternoon',
      'on-call-handoff',
    ]);
    expect(calendar.blackouts.map(b => b.name)).toEqual(['black-friday-2027']);
  });
});
