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

  it("summarizes a module gate's free-form evidence, skipping the errored flag", () => {
    expect(
      summarizeEvidence(gate('incident', { errored: true, alerts: 4 })),
    ).toBe('alerts: 4');
    expect(summarizeEvidence(gate('approval'))).toBeUndefined();
  });
});
