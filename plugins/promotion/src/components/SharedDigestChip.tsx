import { Chip } from '@material-ui/core';
import { blue, deepPurple, orange, pink, teal } from '@material-ui/core/colors';
import type { EnvironmentLane } from '@promotion-pipeline/backstage-plugin-promotion-common';

const PALETTE = [blue, deepPurple, teal, orange, pink];

/** A digest running in several lanes: the lanes running it and a colour shared by them. */
export interface SharedDigest {
  lanes: string[];
  colorIndex: number;
}

/** The digests that run in more than one lane, keyed by digest. */
export function findSharedDigests(
  lanes: EnvironmentLane[],
): Map<string, SharedDigest> {
  const byDigest = new Map<string, string[]>();
  for (const lane of lanes) {
    const digest = lane.current?.artifact.digest;
    if (digest)
      byDigest.set(digest, [...(byDigest.get(digest) ?? []), lane.name]);
  }
  const shared = new Map<string, SharedDigest>();
  for (const [digest, names] of byDigest) {
    if (names.length > 1) {
      shared.set(digest, { lanes: names, colorIndex: shared.size });
    }
  }
  return shared;
}

/** Marks a lane whose artifact also runs in other lanes; matching lanes get matching chips. */
export const SharedDigestChip = ({
  environment,
  shared,
}: {
  environment: string;
  shared: SharedDigest;
}) => {
  const color = PALETTE[shared.colorIndex % PALETTE.length];
  const others = shared.lanes.filter(name => name !== environment);
  return (
    <Chip
      size="small"
      data-testid="shared-digest"
      data-group={shared.colorIndex}
      label={`same artifact as ${others.join(', ')}`}
      style={{
        backgroundColor: color[100],
        borderLeft: `6px solid ${color[700]}`,
        color: 'rgba(0, 0, 0, 0.87)',
      }}
    />
  );
};
