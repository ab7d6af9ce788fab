/**
 * Gates a rollback does not wait for. It must not wait out a freeze or a soak,
 * nor an incident (a rollback is how an incident ends); its artifact already
 * passed tests, e2e and approval on its way into this very environment, and
 * the person rolling back holds the rollback permission. The migration gate
 * (and any gate a module adds) still runs.
 */
export const ROLLBACK_SKIPPED_GATES = [
  'soak',
  'window',
  'tests',
  'e2e',
  'approval',
  'incident',
];
