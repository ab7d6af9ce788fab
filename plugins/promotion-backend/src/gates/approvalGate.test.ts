import { ConfigReader } from '@backstage/config';
import type { Approval } from '@promotion-pipeline/backstage-plugin-promotion-common';
import type { GateContext } from '@promotion-pipeline/backstage-plugin-promotion-node';
import { readPipelines } from '../config/pipelines';
import {
  ApprovalOptionsError,
  createApprovalGate,
  readApprovalOptions,
  validateApprovalGates,
} from './approvalGate';

function context(overrides: Partial<GateContext> = {}): GateContext {
  return {
    promotionId: 'promotion-1',
    entityRef: 'component:default/payments',
    artifact: {
      id: 'artifact-1',
      entityRef: 'component:default/payments',
      digest: `sha256:${'a'.repeat(64)}`,
      version: '2.0.1',
      commit: 'abc123',
      author: 'user:default/bob',
      labels: ['schema-migration'],
      changedPaths: [],
      registeredAt: '2026-11-27T09:00:00Z',
    },
    trigger: 'promotion',
    fromEnvironment: 'staging',
    toEnvironment: 'prod',
    testResults: [],
    options: {},
    now: new Date('2026-11-27T10:00:00Z'),
    ...overrides,
  };
}

const given = (
  actor: string,
  decision: Approval['decision'],
  comment?: string,
): Approval => ({ actor, decision, comment, at: '2026-11-27T09:30:00Z' });

describe('readApprovalOptions', () => {
  it.each([
    [
      'nothing: default labels, no paths, no group',
      {},
      { labels: ['schema-migration', 'iam', 'payment'], paths: [] },
    ],
    [
      'a full group ref',
      { group: 'group:default/payments-approvers' },
      {
        labels: ['schema-migration', 'iam', 'payment'],
        paths: [],
        group: 'group:default/payments-approvers',
      },
    ],
    [
      'a group in another namespace',
      { group: 'group:finance/approvers', labels: ['payment'] },
      {
        labels: ['payment'],
        paths: [],
        group: 'group:finance/approvers',
      },
    ],
    [
      'a short group ref, completed',
      { group: 'payments-approvers', paths: ['db/**'] },
      {
        labels: ['schema-migration', 'iam', 'payment'],
        paths: ['db/**'],
        group: 'group:default/payments-approvers',
      },
    ],
    [
      'a kind written in capitals',
      { group: 'Group:default/payments-approvers' },
      {
        labels: ['schema-migration', 'iam', 'payment'],
        paths: [],
        group: 'group:default/payments-approvers',
      },
    ],
  ])('reads %s', (_name, options, expected) => {
    expect(readApprovalOptions(options)).toEqual(expected);
  });

  it.each([
    [
      'a user instead of a group',
      { group: 'user:default/alice' },
      'group',
      "'user:default/alice' is a user, not a group; use a group entity ref such as group:default/payments-approvers",
    ],
    [
      'an empty group',
      { group: ' ' },
      'group',
      'must be a group entity ref such as group:default/payments-approvers',
    ],
    [
      'a list of groups',
      { group: ['group:default/a', 'group:default/b'] },
      'group',
      'must be a group entity ref such as group:default/payments-approvers',
    ],
    [
      'an unreadable ref',
      { group: 'group:default/' },
      'group',
      /^'group:default\/' is not an entity ref such as group:default\/payments-approvers \(.+\)$/,
    ],
    [
      'a misspelt key',
      { groups: 'group:default/payments-approvers' },
      'groups',
      'is unknown (known: labels, paths, group)',
    ],
    [
      'labels that are not a list',
      { labels: 'iam' },
      'labels',
      'must be a list of strings',
    ],
    [
      'paths with a number',
      { paths: ['db/**', 3] },
      'paths',
      'must be a list of strings',
    ],
  ])('refuses %s, naming the key', (_name, options, key, problem) => {
    let thrown: unknown;
    try {
      readApprovalOptions(options as Record<string, unknown>);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ApprovalOptionsError);
    expect((thrown as ApprovalOptionsError).key).toBe(key);
    expect((thrown as ApprovalOptionsError).problem).toMatch(problem);
  });
});

describe('validateApprovalGates', () => {
  const pipelinesWith = (approval: Record<string, unknown>) =>
    readPipelines(
      new ConfigReader({
        promotion: {
          pipelines: {
            standard: {
              environments: [
                { name: 'staging', deployer: 'fake' },
                {
                  name: 'prod',
                  deployer: 'fake',
                  gates: ['e2e', { name: 'approval', ...approval }],
                },
              ],
            },
          },
        },
      }),
    );

  it('accepts a group entity ref', () => {
    expect(() =>
      validateApprovalGates(
        pipelinesWith({ group: 'group:default/payments-approvers' }),
      ),
    ).not.toThrow();
  });

  it.each([
    [
      { group: 'user:default/alice' },
      "Invalid promotion config at 'promotion.pipelines.standard.environments[1].gates[1].group': 'user:default/alice' is a user, not a group; use a group entity ref such as group:default/payments-approvers",
    ],
    [
      { group: 42 },
      "Invalid promotion config at 'promotion.pipelines.standard.environments[1].gates[1].group': must be a group entity ref such as group:default/payments-approvers",
    ],
    [
      { approvers: 'group:default/payments-approvers' },
      "Invalid promotion config at 'promotion.pipelines.standard.environments[1].gates[1].approvers': is unknown (known: labels, paths, group)",
    ],
  ])('stops start-up for %j with the key', (approval, message) => {
    expect(() => validateApprovalGates(pipelinesWith(approval))).toThrow(
      message,
    );
  });
});

describe('createApprovalGate', () => {
  const GROUP = { group: 'group:default/payments-approvers' };

  it.each<[string, Partial<GateContext>, Approval[], object]>([
    [
      'a change that is not risky',
      {
        artifact: { ...context().artifact, labels: ['docs'] },
        options: GROUP,
      },
      [],
      { verdict: 'passed', reason: 'not risky: no approval needed' },
    ],
    [
      'a risky change without a group',
      {},
      [],
      {
        verdict: 'pending',
        reason: 'waiting for approval: schema-migration',
        evidence: { risk: ['schema-migration'], approvals: [] },
      },
    ],
    [
      'a risky change waiting for the group',
      {
        artifact: {
          ...context().artifact,
          labels: ['schema-migration', 'iam'],
          changedPaths: ['db/001.sql'],
        },
        options: { ...GROUP, paths: ['db/**'] },
      },
      [],
      {
        verdict: 'pending',
        reason:
          'waiting for approval by group:default/payments-approvers: schema-migration, iam, db/001.sql matches db/**',
        evidence: {
          risk: ['schema-migration', 'iam', 'db/001.sql matches db/**'],
          approvals: [],
          group: 'group:default/payments-approvers',
        },
      },
    ],
    [
      'an approval',
      { options: GROUP },
      [given('user:default/carol', 'approved')],
      {
        verdict: 'passed',
        reason: 'approved by user:default/carol',
        evidence: {
          risk: ['schema-migration'],
          approvals: [given('user:default/carol', 'approved')],
          group: 'group:default/payments-approvers',
        },
      },
    ],
    [
      'a rejection, which wins over an approval',
      { options: GROUP },
      [
        given('user:default/carol', 'approved'),
        given('user:default/dave', 'rejected', 'not during the sale'),
      ],
      {
        verdict: 'failed',
        final: true,
        reason: 'rejected by user:default/dave: not during the sale',
      },
    ],
  ])('answers %s', async (_name, overrides, approvals, expected) => {
    const asked: string[] = [];
    const gate = createApprovalGate({
      listApprovals: async id => {
        asked.push(id);
        return approvals;
      },
    });
    const result = await gate.evaluate(context(overrides));
    expect(result).toMatchObject(expected);
    expect(asked).toEqual(
      result.reason.startsWith('not risky') ? [] : ['promotion-1'],
    );
  });

  it('throws on options it cannot use, so the gate fails closed', async () => {
    const gate = createApprovalGate({ listApprovals: async () => [] });
    await expect(
      gate.evaluate(context({ options: { group: 'user:default/alice' } })),
    ).rejects.toThrow("approval option 'group' 'user:default/alice' is a user");
  });
});
