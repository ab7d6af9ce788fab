import type { DeploymentState } from '@promotion-pipeline/backstage-plugin-promotion-common';
import type {
  DeploymentRecord,
  ReportedStatus,
} from '../database/PromotionStore';
import { judgeStatusReport } from './StatusCallbacks';

const at = new Date('2026-12-01T10:00:00Z');

function deployment(
  state: DeploymentState,
  reported?: ReportedStatus,
  extra: Partial<DeploymentRecord> = {},
): DeploymentRecord {
  return {
    id: 'd-1',
    entityRef: 'component:default/checkout',
    environment: 'dev',
    artifactId: 'a-1',
    state,
    trigger: 'merge',
    actor: 'engine',
    deployCalls: 1,
    attempts: 0,
    nextCheckAt: at,
    reportedState: reported?.state,
    reportedReason: reported?.reason,
    stateSince: at,
    createdAt: at,
    ...extra,
  };
}

const running = { state: 'running' } as const;
const succeeded = { state: 'succeeded' } as const;
const failed = { state: 'failed', reason: 'image pull backoff' } as const;
const conflict = { conflict: expect.any(String) };

describe('judgeStatusReport', () => {
  it.each([
    // while deploying, the deploy system may say anything, once
    ['deploying', undefined, running, 'record'],
    ['deploying', undefined, succeeded, 'record'],
    ['deploying', undefined, failed, 'record'],
    ['deploying', running, running, 'repeat'],
    ['deploying', running, { state: 'running', reason: '2/3' }, 'record'],
    ['deploying', running, succeeded, 'record'],
    // up, then broken: allowed; back to running: not
    ['deploying', succeeded, succeeded, 'repeat'],
    ['deploying', succeeded, failed, 'record'],
    ['deploying', succeeded, running, conflict],
    ['soaking', undefined, succeeded, 'record'],
    ['soaking', undefined, failed, 'record'],
    ['soaking', undefined, running, conflict],
    // failed is final
    ['deploying', failed, failed, 'repeat'],
    ['deploying', failed, succeeded, conflict],
    ['deploying', failed, running, conflict],
    // not sent yet
    ['queued', undefined, succeeded, conflict],
    // ended: a repeat that agrees is harmless, anything else a conflict
    ['failed', undefined, failed, 'repeat'],
    ['failed', undefined, succeeded, conflict],
    ['failed', undefined, running, conflict],
    ['superseded', undefined, failed, conflict],
  ] as const)(
    '%s, reported %j, gets %j: %j',
    (state, reported, report, verdict) => {
      expect(judgeStatusReport(deployment(state, reported), report)).toEqual(
        verdict,
      );
    },
  );

  it('takes "succeeded" for a deployment that came up and ended as a repeat', () => {
    const verified = deployment('verified', undefined, { healthyAt: at });
    expect(judgeStatusReport(verified, succeeded)).toBe('repeat');
    expect(judgeStatusReport(verified, failed)).toEqual(conflict);
    expect(judgeStatusReport(verified, running)).toEqual(conflict);
  });
});
