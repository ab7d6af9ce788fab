/** What the sustain check remembers between evaluations; store it with the deployment. */
export interface SustainState {
  /** When the current unbroken firing streak began. */
  firingSince?: Date;
}

/** The next state, plus whether the condition has now held long enough. */
export interface SustainResult extends SustainState {
  /** Firing continuously for at least `sustainMs`: time to roll back. */
  sustained: boolean;
  /** First evaluation of the current streak that fired; the MTTR clock starts here. */
  crossedAt?: Date;
}

/**
 * Advances the sustain state by one evaluation. Any evaluation that does not
 * fire ends the streak, so the next one starts the clock again.
 */
export function nextSustainState(
  prev: SustainState,
  firing: boolean,
  now: Date,
  sustainMs: number,
): SustainResult {
  if (!(sustainMs >= 0)) {
    throw new RangeError(`sustainMs must be zero or more, got ${sustainMs}`);
  }
  if (!firing) {
    return { sustained: false };
  }
  const firingSince = prev.firingSince ?? now;
  // A replica whose clock lags the one that opened the streak sees a negative
  // elapsed time; it waits rather than rolling back early.
  const sustained = now.getTime() - firingSince.getTime() >= sustainMs;
  return { firingSince, sustained, crossedAt: firingSince };
}
