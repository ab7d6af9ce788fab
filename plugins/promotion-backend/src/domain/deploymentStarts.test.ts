import type { DeploymentState } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { decideStarts, StartCandidate } from './deploymentStarts';

const at = (minute: number) => new Date(Date.UTC(2026, 11, 7, 10, minute));

const d = (
  id: string,
  state: DeploymentState,
  minute: number,
): StartCandidate => ({
  id,
  state,
  createdAt: at(minute),
  artifactId: `artifact-${id}`,
});

/** The moves as `kind id [by id]`, to compare at a glance. */
const described = (inFlight: StartCandidate[], starting: string[]): string[] =>
  decideStarts(inFlight, starting).map(m =>
    m.kind === 'start'
      ? `start ${m.deployment.id}`
      : `supersede ${m.deployment.id} by ${m.by.id}`,
  );

describe('decideStarts', () => {
  it.each([
    {
      name: 'starts a queued deployment alone in its lane',
      inFlight: [d('a', 'queued', 1)],
      starting: ['a'],
      moves: ['start a'],
    },
    {
      name: 'supersedes everything older on its way, then starts',
      inFlight: [
        d('a', 'soaking', 1),
        d('b', 'deploying', 2),
        d('c', 'queued', 3),
      ],
      starting: ['c'],
      moves: ['supersede a by c', 'supersede b by c', 'start c'],
    },
    {
      name: 'gives way to a newer deployment on its way',
      inFlight: [d('a', 'queued', 1), d('b', 'queued', 2)],
      starting: ['a'],
      moves: ['supersede a by b'],
    },
    {
      name: 'breaks a tie of creation time by id',
      inFlight: [d('a', 'queued', 1), d('b', 'deploying', 1)],
      starting: ['a'],
      moves: ['supersede a by b'],
    },
    {
      name: 'decides two starts of one lane one after the other',
      inFlight: [d('a', 'queued', 1), d('b', 'queued', 2)],
      starting: ['a', 'b'],
      moves: ['supersede a by b', 'start b'],
    },
    {
      name: 'lets the newer of two starts supersede the older one already started',
      inFlight: [d('a', 'queued', 1), d('b', 'queued', 2)],
      starting: ['b', 'a'],
      moves: ['supersede a by b', 'start b'],
    },
    {
      name: 'does not start a deployment no longer queued',
      inFlight: [d('a', 'deploying', 1)],
      starting: ['a'],
      moves: [],
    },
    {
      name: 'does not start a deployment no longer on its way',
      inFlight: [d('b', 'queued', 2)],
      starting: ['a'],
      moves: [],
    },
  ])('$name', ({ inFlight, starting, moves }) => {
    expect(described(inFlight, starting)).toEqual(moves);
  });

  it('leaves the lane as read unchanged', () => {
    const lane = [d('a', 'queued', 1), d('b', 'queued', 2)];
    decideStarts(lane, ['b']);
    expect(lane.map(x => x.state)).toEqual(['queued', 'queued']);
  });
});
