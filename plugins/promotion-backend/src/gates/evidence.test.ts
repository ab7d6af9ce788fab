import type {
  ApprovalEvidence,
  Artifact,
  MigrationEvidence,
  TestsEvidence,
  WindowEvidence,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import { gateEvidence } from '@promotion-pipeline/backstage-plugin-promotion-common';
import type { GateContext } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { createApprovalGate } from './approvalGate';
import { evaluateGate } from './evaluateGate';
import { migrationGate } from './migrationGate';
import { e2eGate, testsGate } from './testsGate';
import { exampleCalendars } from './window/testCalendars';
import { createWindowGate } from './window/windowGate';

/*
 * Each built-in gate writes the evidence type promotion-common declares for
 * it: the assignments below do not compile when a gate's evidence drifts
 * from its type, and the expectations pin the keys the pipeline tab reads.
 */

const artifact = (
  id: string,
  migration?: Artifact['migration'],
  labels: string[] = [],
): Artifact => ({
  id,
  entityRef: 'component:default/checkout',
  digest: `sha256:${id.padEnd(64, '0')}`,
  version: `1.0.${id}`,
  commit: 'abc',
  author: 'user:default/alice',
  labels,
  changedPaths: [],
  registeredAt: '2026-11-23T09:00:00Z',
  migration,
});

function context(overrides: Partial<GateContext> = {}): GateContext {
  return {
    promotionId: 'p-1',
    entityRef: 'component:default/checkout',
    artifact: artifact('1'),
    trigger: 'promotion',
    fromEnvironment: 'staging',
    toEnvironment: 'prod',
    testResults: [],
    options: {},
    // A Monday at 11:00 in Berlin: the example calendar is open.
    now: new Date('2026-11-23T10:00:00Z'),
    ...overrides,
  };
}

describe('gate evidence', () => {
  it('tests and e2e write TestsEvidence', async () => {
    const unit = {
      suite: 'unit' as const,
      status: 'passed' as const,
      reportedAt: '2026-11-23T09:30:00Z',
    };
    const tests: TestsEvidence | undefined = (
      await testsGate.evaluate(
        context({
          options: { suites: ['unit', 'contract'] },
          testResults: [unit],
        }),
      )
    ).evidence;
    expect(tests).toEqual({
      required: ['unit', 'contract'],
      results: { unit, contract: null },
    });

    const e2e: TestsEvidence | undefined = (await e2eGate.evaluate(context()))
      .evidence;
    expect(e2e).toEqual({
      required: ['e2e'],
      environment: 'staging',
      results: { e2e: null },
    });
  });

  it('migration writes MigrationEvidence', async () => {
    const running = { schemaVersion: 4, minCompatibleSchemaVersion: 3 };
    const evidence: MigrationEvidence | undefined = (
      await migrationGate.evaluate(
        context({
          artifact: artifact('2'),
          targetArtifact: artifact('1', running),
        }),
      )
    ).evidence;
    expect(evidence).toEqual({ incoming: null, running });
  });

  it('approval writes ApprovalEvidence', async () => {
    const gate = createApprovalGate({ listApprovals: async () => [] });
    const evidence: ApprovalEvidence | undefined = (
      await gate.evaluate(
        context({
          artifact: artifact('3', undefined, ['payment']),
          options: { group: 'group:default/dba' },
        }),
      )
    ).evidence;
    expect(evidence).toEqual({
      risk: ['payment'],
      approvals: [],
      group: 'group:default/dba',
    });
  });

  it('window writes WindowEvidence: open, frozen by the calendar, stopped by hand', async () => {
    const freezes = {
      none: [],
      one: [
        {
          id: 'f-1',
          entityRef: null,
          environment: 'prod',
          reason: 'incident',
          createdBy: 'user:default/bob',
          createdAt: new Date('2026-11-23T08:00:00Z'),
        },
      ],
    };
    const gate = (which: keyof typeof freezes) =>
      createWindowGate({
        calendars: exampleCalendars(),
        listActiveFreezes: async () => freezes[which],
      });
    const options = { calendar: 'prod-calendar' };

    const open: WindowEvidence | undefined = (
      await gate('none').evaluate(context({ options }))
    ).evidence;
    expect(open).toEqual({
      calendar: 'prod-calendar',
      timezone: 'Europe/Berlin',
    });

    const frozen: WindowEvidence | undefined = (
      await gate('none').evaluate(
        // Black Friday blackout.
        context({ options, now: new Date('2026-11-27T10:00:00Z') }),
      )
    ).evidence;
    expect(frozen).toEqual({
      calendar: 'prod-calendar',
      rule: 'black-friday',
      until: '2026-11-30T23:00:00.000Z',
      timezone: 'Europe/Berlin',
    });

    const stopped: WindowEvidence | undefined = (
      await gate('one').evaluate(context({ options }))
    ).evidence;
    expect(stopped).toEqual({
      freezeId: 'f-1',
      freezeIds: ['f-1'],
      entityRef: null,
      environment: 'prod',
      createdBy: 'user:default/bob',
      createdAt: '2026-11-23T08:00:00.000Z',
    });
  });

  it('the stored result reads back with its gate type', async () => {
    const result = await evaluateGate(
      'migration',
      migrationGate,
      context({
        targetArtifact: artifact('0', {
          schemaVersion: 2,
          minCompatibleSchemaVersion: 1,
        }),
      }),
      1000,
    );
    const typed = gateEvidence(result);
    expect(typed?.gate).toBe('migration');
    if (typed?.gate !== 'migration') throw new Error('not migration evidence');
    expect(typed.evidence.running?.schemaVersion).toBe(2);
  });
});
