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
