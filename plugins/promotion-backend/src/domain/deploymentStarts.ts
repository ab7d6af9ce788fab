import type { DeploymentState } from '@promotion-pipeline/backstage-plugin-promotion-common';

/** What deciding a start needs to know of a deployment. */
export interface StartCandidate {
  id: string;
  state: DeploymentState;
  createdAt: Date;
  artifactId: string;
}

/** One move of a lane: a deployment starts, or gives way to a newer one. */
export type StartMove<D> =
  | { kind: 'start'; deployment: D }
  | { kind: 'supersede'; deployment: D; by: D };

const newer = (a: StartCandidate, b: StartCandidate) =>
  a.createdAt.getTime() > b.createdAt.getTime() ||
  (a.createdAt.getTime() === b.createdAt.getTime() && a.id > b.id);

/**
 * One lane, one deployment at a time: a queued deployment starts only if
 * nothing newer is on its way (else it gives way to the newer one), and
 * starting supersedes everything older still on its way. `inFlight` is the
 * lane as read under lock, in id order; `starting` are the ids asked to
 * start, decided one after the other as if each were alone. A deployment no
 * longer queued does not start.
 */
export function decideStarts<D extends StartCandidate>(
  inFlight: readonly D[],
  starting: readonly string[],
): Array<StartMove<D>> {
  const lane = new Map(inFlight.map(d => [d.id, d]));
  const moves: Array<StartMove<D>> = [];
  for (const id of starting) {
    const self = lane.get(id);
    if (!self || self.state !== 'queued') continue;
    const others = [...lane.values()].filter(d => d.id !== id);
    const ahead = others.find(d => newer(d, self));
    if (ahead) {
      moves.push({ kind: 'supersede', deployment: self, by: ahead });
      lane.delete(id);
      continue;
    }
    for (const other of others) {
      moves.push({ kind: 'supersede', deployment: other, by: self });
      lane.delete(other.id);
    }
    moves.push({ kind: 'start', deployment: self });
    lane.set(id, { ...self, state: 'deploying' });
  }
  return moves;
}
