import type {
  GateResult,
  SoakEvidence,
  TestsEvidence,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { summarizeEvidence } from './gateEvidence';

function gate(name: string, evidence?: Record<string, unknown>): GateResult {
  return {
    gate: name,
    verdict: 'pending',
    reason: '',
    errored: false,
    evidence,
    evaluatedAt: '2024-05-01T12:00:00Z',
  };
}

const soak: SoakEvidence = {
  deploymentId: 'd1',
  environment: 'staging',
  provider: 'prometheus',
  windowStartedAt: '2024-05-01T11:48:30Z',
  elapsedMs: 11.5 * 60_000,
  requiredMs: 15 * 60_000,
  thresholds: { errorRate: 0.01 },
};

describe('summarizeEvidence', () => {
  it('reports soak progress from the soak evidence', () => {
    expect(summarizeEvidence(gate('soak', soak))).toBe('soak 11 of 15 min');
  });

  it('counts a window of a few minutes or less in seconds', () => {
    expect(
      summarizeEvidence(
        gate('soak', { ...soak, elapsedMs: 12_400, requiredMs: 20_000 }),
      ),
    ).toBe('soak 12 of 20 s');
  });

  it('names the breach that restarted the soak', () => {
    expect(
      summarizeEvidence(
        gate('soak', {
          ...soak,
          elapsedMs: 0,
          breach: {
            signal: 'errorRate',
            value: 0.2,
            threshold: 0.01,
            at: '2024-05-01T12:00:00Z',
          },
        } satisfies SoakEvidence),
      ),
    ).toBe('soak 0 of 15 min, restarted by errorRate over 0.01');
  });

  it('falls back to the source soak view and caps at the required time', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    const view = {
      deploymentId: 'd1',
      kind: 'metrics' as const,
      startedAt: '2024-05-01T11:54:00Z',
      requiredMs: 15 * 60_000,
      thresholds: {},
      samples: [],
    };
    expect(summarizeEvidence(gate('soak'), view, now)).toBe('soak 6 of 15 min');
    expect(
      summarizeEvidence(
        gate('soak'),
        { ...view, startedAt: '2024-05-01T10:00:00Z' },
        now,
      ),
    ).toBe('soak 15 of 15 min');
  });

  it('lists the required test suites with their status', () => {
    const tests: TestsEvidence = {
      required: ['unit', 'integration'],
      results: {
        unit: {
          suite: 'unit',
          status: 'passed',
          reportedAt: '2024-05-01T11:00:00Z',
        },
        integration: null,
      },
    };
    expect(summarizeEvidence(gate('tests', tests))).toBe(
      'unit passed, integration missing',
    );
  });

  it('names the alerts that stop promotions, or the unreadable source', () => {
    const alert = (name: string, summary?: string) => ({
      id: `fp-${name}`,
      name,
      labels: { alertname: name },
      startsAt: '2024-05-01T11:50:00Z',
      ...(summary ? { summary } : {}),
    });
    const incident = (alerts: unknown[], errored?: true) =>
      gate('incident', {
        source: 'alertmanager',
        matchers: ['service="shop"'],
        alerts,
        ...(errored ? { errored } : {}),
      });
    expect(
      summarizeEvidence(
        incident([alert('CheckoutErrors', '5xx above 5 %'), alert('Latency')]),
      ),
    ).toBe('firing at alertmanager: CheckoutErrors (5xx above 5 %), Latency');
    expect(
      summarizeEvidence(incident(['A', 'B', 'C', 'D', 'E'].map(n => alert(n)))),
    ).toBe('firing at alertmanager: A, B, C and 2 more');
    expect(summarizeEvidence(incident([]))).toBe(
      'no alert firing at alertmanager',
    );
    expect(summarizeEvidence(incident([], true))).toBe(
      'alertmanager unreadable: promotions stopped',
    );
  });

  it("summarizes a module gate's free-form evidence, skipping the errored flag", () => {
    expect(
      summarizeEvidence(gate('security-scan', { errored: true, findings: 4 })),
    ).toBe('findings: 4');
    expect(summarizeEvidence(gate('approval'))).toBeUndefined();
  });
});
