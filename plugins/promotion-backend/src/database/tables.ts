/** Row of `promotion_artifacts`. */
export interface ArtifactRow {
  id: string;
  entity_ref: string;
  digest: string;
  pipeline: string;
  version: string;
  commit: string;
  author: string | null;
  labels: string;
  changed_paths: string;
  migration: string | null;
  bad: boolean | number;
  bad_reason: string | null;
  registered_at: Date | string;
}

/** Row of `promotion_test_results`. */
export interface TestResultRow {
  id?: number;
  artifact_id: string;
  suite: string;
  environment: string | null;
  status: string;
  passed_count: number | null;
  failed_count: number | null;
  url: string | null;
  reported_at: Date | string;
}

/** Row of `promotion_promotions`. */
export interface PromotionRow {
  id: string;
  entity_ref: string;
  artifact_id: string;
  from_environment: string | null;
  to_environment: string;
  trigger: string;
  actor: string;
  reason: string | null;
  state: string;
  deployment_id: string | null;
  lease_ticket: string | null;
  lease_expires_at: Date | string | null;
  next_check_at: Date | string;
  wakes: number;
  created_at: Date | string;
  updated_at: Date | string;
}

/** Row of `promotion_gate_results`. */
export interface GateResultRow {
  promotion_id: string;
  gate: string;
  verdict: string;
  errored: boolean | number;
  reason: string;
  evidence: string | null;
  evaluated_at: Date | string;
}

/** Row of `promotion_deployments`. */
export interface DeploymentRow {
  id: string;
  entity_ref: string;
  environment: string;
  artifact_id: string;
  promotion_id: string | null;
  state: string;
  trigger: string;
  actor: string;
  reason: string | null;
  deploy_calls: number;
  attempts: number;
  lease_ticket: string | null;
  lease_expires_at: Date | string | null;
  next_check_at: Date | string;
  deploy_started_at: Date | string | null;
  deploy_accepted_at: Date | string | null;
  reported_state: string | null;
  reported_reason: string | null;
  healthy_at: Date | string | null;
  verified_at: Date | string | null;
  state_since: Date | string;
  created_at: Date | string;
}

/** Row of `promotion_events`. */
export interface EventRow {
  id?: number | string;
  entity_ref: string;
  environment: string | null;
  digest: string | null;
  kind: string;
  actor: string;
  details: string;
  at: Date | string;
}

/** Row of `promotion_incident_freezes`. */
export interface IncidentFreezeRow {
  entity_ref: string;
  environment: string;
  source: string;
  reason: string;
  /** JSON list of IncidentAlert. */
  alerts: string;
  started_at: Date | string;
  updated_at: Date | string;
}

/** Row of `promotion_pages`, the page outbox. */
export interface PageRow {
  id: number | string;
  action: 'trigger' | 'resolve';
  dedup_key: string;
  why: string;
  entity_ref: string;
  environment: string | null;
  digest: string | null;
  severity: string | null;
  summary: string | null;
  /** JSON facts sent with the page. */
  details: string | null;
  created_at: Date | string;
  next_attempt_at: Date | string;
  attempts: number | string;
  lease_ticket: string | null;
  lease_expires_at: Date | string | null;
  done_at: Date | string | null;
  outcome: 'delivered' | 'dropped' | null;
  last_error: string | null;
}
