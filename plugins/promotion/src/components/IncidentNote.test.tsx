import { render, screen } from '@testing-library/react';
import type {
  EnvironmentLane,
  GateResult,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { pipelineFixture } from '../__testUtils__/fixtures';
import { IncidentNote } from './IncidentNote';

function prodWithIncident(incident?: Partial<GateResult>): EnvironmentLane {
  const prod = pipelineFixture().environments.find(l => l.name === 'prod')!;
  const gates = prod.promotion!.gates.filter(g => g.gate !== 'incident');
  if (incident) {
    gates.push({
      gate: 'incident',
      verdict: 'pending',
      reason: 'incident freeze',
      errored: false,
      evaluatedAt: new Date().toISOString(),
      ...incident,
    });
  }
  return { ...prod, promotion: { ...prod.promotion!, gates } };
}

describe('IncidentNote', () => {
  it('names the firing alert at the top of the lane', () => {
    render(
      <IncidentNote
        lane={prodWithIncident({
          evidence: {
            source: 'alertmanager',
            matchers: ['service="checkout"'],
            alerts: [
              {
                id: 'f1',
                name: 'CheckoutErrors',
                labels: {},
                startsAt: new Date().toISOString(),
                summary: 'checkout 5xx above 5 %',
              },
            ],
          },
        })}
      />,
    );
    const note = screen.getByRole('status', {
      name: 'Incident freeze on prod',
    });
    expect(note).toHaveTextContent('promotions into prod stopped');
    expect(note).toHaveTextContent('CheckoutErrors: checkout 5xx above 5 %');
    expect(note).toHaveTextContent('at alertmanager');
  });

  it('says so when the alert source cannot be read', () => {
    render(
      <IncidentNote
        lane={prodWithIncident({
          verdict: 'failed',
          errored: true,
          evidence: {
            source: 'alertmanager',
            matchers: [],
            alerts: [],
            errored: true,
          },
        })}
      />,
    );
    expect(screen.getByRole('status')).toHaveTextContent(
      'alertmanager cannot be read',
    );
  });

  it('shows nothing while the incident gate passes or is absent', () => {
    const { container, rerender } = render(
      <IncidentNote lane={prodWithIncident({ verdict: 'passed' })} />,
    );
    expect(container).toBeEmptyDOMElement();
    rerender(<IncidentNote lane={prodWithIncident()} />);
    expect(container).toBeEmptyDOMElement();
  });
});
