/** One alert firing at an alert source. */
export interface FiringAlert {
  /** The source's stable id of the alert (Alertmanager: its fingerprint). */
  id: string;
  /** The alert's name (Alertmanager: the `alertname` label). */
  name: string;
  labels: Record<string, string>;
  /** When it started firing (ISO 8601). */
  startsAt: string;
  /** A one-line description, if the alert carries one. */
  summary?: string;
  /** Where to look at it (the alert's generator URL), if known. */
  url?: string;
}

/**
 * Reads which alerts fire now, e.g. from Alertmanager. The incident gate asks
 * it with the environment's label matchers; throws when the source cannot be
 * read (the gate then fails closed).
 */
export interface AlertSource {
  /**
   * Active alerts matching every matcher; matchers use Prometheus syntax
   * (`label="value"`, `label!="value"`, `label=~"regex"`, `label!~"regex"`).
   */
  firingAlerts(matchers: string[]): Promise<FiringAlert[]>;
}
