import type { GateResult } from '@promotion-pipeline/backstage-plugin-promotion-common';
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

describe('summarizeEvidence', () => {
  it('reports soak progress from the evidence', () => {
    expect(
      summarizeEvidence(
        gate('soak', { elapsedMs: 11.5 * 60_000, requiredMs: 15 * 60_000 }),
      ),
    ).toBe('soak 11 of 15 min');
  });

  it('falls back to the source soak view and caps at the required time', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    const soak = {
      deploymentId: 'd1',
      kind: 'metrics' as const,
      startedAt: '2024-05-01T11:54:00Z',
      requiredMs: 15 * 60_000,
      thresholds: {},
      samples: [],
    };
    expect(summarizeEvidence(gate('soak'), soak, now)).toBe('soak 6 of 15 min');
    expect(
      summarizeEvidence(
        gate('soak'),
        { ...soak, startedAt: '2024-05-01T10:00:00Z' },
        now,
      ),
    ).toBe('soak 15 of 15 min');
  });

  it('lists test suites with their status', () => {
    expect(
      summarizeEvidence(
        gate('tests', {
          required: ['unit', 'integration'],
          results: { unit: { status: 'passed' }, integration: null },
        }),
      ),
    ).toBe('unit passed, integration missing');
  });

  it('falls back to scalar evidence and skips the errored flag', () => {
    expect(
      summarizeEvidence(gate('migration', { errored: true, schemaVersion: 4 })),
    ).toBe('schemaVersion: 4');
    expect(summarizeEvidence(gate('approval'))).toBeUndefined();
  });
});
