import {
  gateEvidence,
  isCalendarFreeze,
  isStopTheLine,
  type ApprovalEvidence,
  type GateResult,
  type IncidentEvidence,
  type MigrationEvidence,
  type SoakEvidence,
  type SoakView,
  type TestsEvidence,
  type WindowEvidence,
} from '@promotion-pipeline/backstage-plugin-promotion-common';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

function soakProgress(elapsedMs: number, requiredMs: number): string {
  // Windows shorter than a few minutes in seconds: "0 of 0 min" says nothing.
  const unit = requiredMs < 3 * MINUTE ? SECOND : MINUTE;
  const elapsed = Math.floor(
    Math.max(0, Math.min(elapsedMs, requiredMs)) / unit,
  );
  return `soak ${elapsed} of ${Math.round(requiredMs / unit)} ${
    unit === SECOND ? 's' : 'min'
  }`;
}

function soakSummary(evidence: SoakEvidence): string {
  const progress = soakProgress(evidence.elapsedMs, evidence.requiredMs);
  if (evidence.breach) {
    return `${progress}, restarted by ${evidence.breach.signal} over ${evidence.breach.threshold}`;
  }
  if (evidence.problems?.length) {
    return `${progress}, no data: ${evidence.problems.join('; ')}`;
  }
  return progress;
}

function testsSummary(evidence: TestsEvidence): string {
  const suites = evidence.required.map(
    suite => `${suite} ${evidence.results[suite]?.status ?? 'missing'}`,
  );
  return evidence.environment
    ? `${suites.join(', ')} against ${evidence.environment}`
    : suites.join(', ');
}

function windowSummary(evidence: WindowEvidence): string | undefined {
  if (isStopTheLine(evidence)) {
    return `stopped by ${evidence.createdBy} since ${new Date(
      evidence.createdAt,
    ).toLocaleString()}`;
  }
  if (isCalendarFreeze(evidence)) {
    return `${evidence.rule} until ${new Date(
      evidence.until,
    ).toLocaleString()}`;
  }
  if ('calendar' in evidence) {
    return `calendar ${evidence.calendar} (${evidence.timezone})`;
  }
  return undefined;
}

function approvalSummary(evidence: ApprovalEvidence): string | undefined {
  const parts = [
    evidence.risk.length ? `risky: ${evidence.risk.join(', ')}` : undefined,
    evidence.group ? `approvers: ${evidence.group}` : undefined,
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : undefined;
}

function migrationSummary(evidence: MigrationEvidence): string | undefined {
  const schema = (m: MigrationEvidence['incoming']) =>
    m
      ? `schema ${m.schemaVersion} (code from ${m.minCompatibleSchemaVersion})`
      : 'no schema version';
  if (!evidence.incoming && !evidence.running) return undefined;
  return `incoming ${schema(evidence.incoming)}, running ${schema(
    evidence.running,
  )}`;
}

function incidentSummary(evidence: IncidentEvidence): string {
  if (evidence.errored) {
    return `${evidence.source} unreadable: promotions stopped`;
  }
  if (evidence.alerts.length === 0) {
    return `no alert firing at ${evidence.source}`;
  }
  const named = evidence.alerts
    .slice(0, 3)
    .map(a => (a.summary ? `${a.name} (${a.summary})` : a.name));
  const more =
    evidence.alerts.length > 3 ? ` and ${evidence.alerts.length - 3} more` : '';
  return `firing at ${evidence.source}: ${named.join(', ')}${more}`;
}

/** The first few scalar fields of a module gate's free-form evidence. */
function scalarSummary(evidence: Record<string, unknown>): string | undefined {
  const parts = Object.entries(evidence)
    .filter(
      ([key, value]) =>
        key !== 'errored' &&
        ['string', 'number', 'boolean'].includes(typeof value),
    )
    .slice(0, 3)
    .map(([key, value]) => `${key}: ${value}`);
  return parts.length ? parts.join(', ') : undefined;
}

/**
 * A short human summary of a gate's evidence, such as "soak 11 of 15 min",
 * read from the gate's evidence type in promotion-common. The soak gate's
 * progress falls back to the source lane's soak view when the gate stored no
 * evidence yet.
 */
export function summarizeEvidence(
  gate: GateResult,
  sourceSoak?: SoakView,
  now: number = Date.now(),
): string | undefined {
  const typed = gateEvidence(gate);
  switch (typed?.gate) {
    case 'soak':
      return soakSummary(typed.evidence);
    case 'tests':
    case 'e2e':
      return testsSummary(typed.evidence);
    case 'window':
      return windowSummary(typed.evidence);
    case 'approval':
      return approvalSummary(typed.evidence);
    case 'migration':
      return migrationSummary(typed.evidence);
    case 'hold':
      // The gate's reason names the hold; its id means nothing to people.
      return undefined;
    case 'incident':
      return incidentSummary(typed.evidence);
    case 'other':
      return scalarSummary(typed.evidence);
    default:
      break;
  }
  if (gate.gate === 'soak' && sourceSoak) {
    return soakProgress(
      now - new Date(sourceSoak.startedAt).getTime(),
      sourceSoak.requiredMs,
    );
  }
  return undefined;
}
