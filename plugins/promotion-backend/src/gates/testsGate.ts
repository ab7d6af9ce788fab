import {
  TEST_SUITES,
  TestResult,
  TestSuite,
  TestsEvidence,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import type {
  GateContext,
  TypedGate,
  TypedGateEvaluation,
} from '@promotion-pipeline/backstage-plugin-promotion-node';

function readSuites(
  options: Record<string, unknown>,
  fallback: TestSuite[],
): TestSuite[] {
  const suites = options.suites ?? fallback;
  if (
    !Array.isArray(suites) ||
    suites.length === 0 ||
    suites.some(s => !TEST_SUITES.includes(s as TestSuite))
  ) {
    throw new Error(
      `option 'suites' must be a non-empty list of ${TEST_SUITES.join(', ')}`,
    );
  }
  return suites as TestSuite[];
}

/** Latest result per suite; a later report overrides an earlier one (re-runs). */
function latestBySuite(results: TestResult[], environment?: string) {
  const latest = new Map<TestSuite, TestResult>();
  for (const result of results) {
    if (environment !== undefined && result.environment !== environment)
      continue;
    latest.set(result.suite, result);
  }
  return latest;
}

function evaluateSuites(
  context: GateContext,
  suites: TestSuite[],
  environment: string | undefined,
): TypedGateEvaluation<TestsEvidence> {
  const latest = latestBySuite(context.testResults, environment);
  const failed = suites.filter(s => latest.get(s)?.status === 'failed');
  const missing = suites.filter(s => !latest.has(s));
  const where = environment ? ` against ${environment}` : '';
  const evidence: TestsEvidence = {
    required: suites,
    ...(environment ? { environment } : {}),
    results: Object.fromEntries(suites.map(s => [s, latest.get(s) ?? null])),
  };
  if (failed.length > 0) {
    return {
      verdict: 'failed',
      reason: `${failed.join(', ')} failed${where}`,
      // Only a new report can change this; reports wake the promotion.
      nextCheckAt: 'event',
      evidence,
    };
  }
  if (missing.length > 0) {
    return {
      verdict: 'pending',
      reason: `waiting for ${missing.join(', ')}${where}`,
      nextCheckAt: 'event',
      evidence,
    };
  }
  return {
    verdict: 'passed',
    reason: `${suites.join(', ')} passed${where}`,
    evidence,
  };
}

/** Passes when the required suites (default unit, integration, contract) reported green for the artifact. */
export const testsGate: TypedGate<TestsEvidence> = {
  name: 'tests',
  async evaluate(context) {
    const suites = readSuites(context.options, [
      'unit',
      'integration',
      'contract',
    ]);
    return evaluateSuites(context, suites, undefined);
  },
};

/** Passes when the e2e suite reported green against the source environment. */
export const e2eGate: TypedGate<TestsEvidence> = {
  name: 'e2e',
  async evaluate(context) {
    if (!context.fromEnvironment) {
      throw new Error(
        'the e2e gate needs a source environment; it cannot guard the first environment',
      );
    }
    const suites = readSuites(context.options, ['e2e']);
    return evaluateSuites(context, suites, context.fromEnvironment);
  },
};
