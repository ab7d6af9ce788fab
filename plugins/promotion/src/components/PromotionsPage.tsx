import { ReactNode, useEffect } from 'react';
import { Chip, Grid, Typography } from '@material-ui/core';
import {
  Content,
  EmptyState,
  Header,
  InfoCard,
  Link,
  Page,
  Progress,
  ResponseErrorPanel,
  TableColumn,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { parseEntityRef } from '@backstage/catalog-model';
import type {
  Freeze,
  OverviewCalendar,
  OverviewMovement,
  OverviewPromotion,
  RollbackView,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { promotionApiRef } from '../api';
import { formatInZones } from './CalendarNote';
import { formatDuration, formatRelative, shortDigest } from './format';
import { OverviewTable } from './OverviewTable';

/** How often the page refreshes while open. */
const REFRESH_MS = 10_000;

/** The service's pipeline tab, where every row of the page leads. */
export function usePipelineTabLink(): (entityRef: string) => string {
  const entityRoute = useRouteRef(entityRouteRef);
  return entityRef => {
    const { kind, namespace, name } = parseEntityRef(entityRef);
    return `${entityRoute({
      kind: kind.toLocaleLowerCase('en-US'),
      namespace,
      name,
    })}/pipeline`;
  };
}

const ServiceLink = ({ entityRef }: { entityRef: string }) => {
  const tabOf = usePipelineTabLink();
  return <Link to={tabOf(entityRef)}>{parseEntityRef(entityRef).name}</Link>;
};

const Since = ({ iso }: { iso: string }) => (
  <span title={iso}>{formatRelative(iso)}</span>
);

const Version = ({
  artifact,
}: {
  artifact: { version: string; digest: string };
}) => (
  <span title={artifact.digest}>
    {artifact.version}{' '}
    <Typography variant="caption" color="textSecondary" component="span">
      {shortDigest(artifact.digest)}
    </Typography>
  </span>
);

const approvalColumns: TableColumn<OverviewPromotion>[] = [
  { title: 'Service', render: p => <ServiceLink entityRef={p.entityRef} /> },
  {
    title: 'Into',
    render: p =>
      p.fromEnvironment
        ? `${p.fromEnvironment} → ${p.toEnvironment}`
        : p.toEnvironment,
  },
  { title: 'Artifact', render: p => <Version artifact={p.artifact} /> },
  { title: 'Author', render: p => p.artifact.author ?? 'unknown' },
  { title: 'Waiting', render: p => <Since iso={p.createdAt} /> },
];

const movementColumns: TableColumn<OverviewMovement>[] = [
  { title: 'Service', render: m => <ServiceLink entityRef={m.entityRef} /> },
  { title: 'Environment', field: 'environment' },
  { title: 'Artifact', render: m => <Version artifact={m.artifact} /> },
  {
    title: 'Stage',
    render: m =>
      m.stage === 'waiting'
        ? `waiting on ${m.waitingOn?.join(', ') || 'gates'}`
        : m.stage,
  },
  { title: 'Since', render: m => <Since iso={m.since} /> },
];

const rollbackColumns: TableColumn<RollbackView>[] = [
  { title: 'Service', render: r => <ServiceLink entityRef={r.entityRef} /> },
  { title: 'Environment', field: 'environment' },
  {
    title: 'Back to',
    render: r => `${r.to.version} (from ${r.from.version})`,
  },
  {
    title: 'Trigger',
    render: r => (r.trigger === 'auto' ? 'automatic' : 'manual'),
  },
  {
    title: 'Time to recover',
    render: r =>
      r.timeToRecoverSeconds === undefined
        ? 'not yet'
        : formatDuration(r.timeToRecoverSeconds * 1000),
  },
  { title: 'When', render: r => <Since iso={r.detectedAt} /> },
];

const Section = ({
  title,
  count,
  children,
}: {
  title: string;
  count: number;
  children: ReactNode;
}) => (
  <InfoCard title={`${title} (${count})`} noPadding>
    {/* Tables scroll sideways only as a last resort (a phone gets blocks). */}
    <section aria-label={title} style={{ overflowX: 'auto' }}>
      {children}
    </section>
  </InfoCard>
);

const Empty = ({ text }: { text: string }) => (
  <Typography variant="body2" color="textSecondary" style={{ padding: 16 }}>
    {text}
  </Typography>
);

const FreezeList = ({
  stoppedLines,
  calendars,
}: {
  stoppedLines: Freeze[];
  calendars: OverviewCalendar[];
}) => {
  const frozen = calendars.filter(c => c.frozen);
  if (stoppedLines.length === 0 && calendars.length === 0) {
    return <Empty text="No line is stopped and no calendar is configured" />;
  }
  return (
    <ul style={{ margin: 0, padding: '8px 16px 8px 32px' }}>
      {stoppedLines.map(f => (
        <li key={f.id}>
          <Typography variant="body2">
            <Chip size="small" color="secondary" label="stopped" />{' '}
            {f.entityRef ? (
              <ServiceLink entityRef={f.entityRef} />
            ) : (
              'every service'
            )}{' '}
            into <strong>{f.environment}</strong>: {f.reason} (by {f.createdBy},{' '}
            <Since iso={f.createdAt} />)
          </Typography>
        </li>
      ))}
      {frozen.map(c => (
        <li key={`frozen-${c.name}`}>
          <Typography variant="body2">
            <Chip size="small" label="calendar" /> {c.environments.join(', ')}{' '}
            frozen: {c.frozen!.reason}, opens{' '}
            {formatInZones(c.frozen!.until, c.timezone)}
          </Typography>
        </li>
      ))}
      {calendars
        .filter(c => c.nextFreeze)
        .map(c => (
          <li key={`next-${c.name}`}>
            <Typography variant="body2" color="textSecondary">
              Next freeze of {c.environments.join(', ')}:{' '}
              {formatInZones(c.nextFreeze!.start, c.timezone)} (
              {c.nextFreeze!.reason})
            </Typography>
          </li>
        ))}
    </ul>
  );
};

/**
 * The org-wide Promotions page: approvals waiting for the signed-in user,
 * stopped lines and freezes, what is in flight and recent rollbacks, across
 * every service the user may read; each row leads to the service's tab.
 */
export const PromotionsPage = () => {
  const api = useApi(promotionApiRef);
  const { value, error, loading, retry } = useAsyncRetry(
    () => api.getOverview(),
    [api],
  );
  useEffect(() => {
    const timer = setInterval(retry, REFRESH_MS);
    return () => clearInterval(timer);
  }, [retry]);

  let body: ReactNode;
  if (error && !value) {
    body = <ResponseErrorPanel error={error} />;
  } else if (loading && !value) {
    body = <Progress />;
  } else if (value) {
    const nothing =
      value.approvals.length +
        value.stoppedLines.length +
        value.calendars.length +
        value.inFlight.length +
        value.rollbacks.length ===
      0;
    body = nothing ? (
      <EmptyState
        missing="data"
        title="Nothing to show"
        description="No promotion waits, moves or was rolled back in the services you may read."
      />
    ) : (
      <Grid container spacing={3}>
        <Grid item xs={12}>
          <Section
            title="Waiting for your approval"
            count={value.approvals.length}
          >
            {value.approvals.length ? (
              <OverviewTable columns={approvalColumns} data={value.approvals} />
            ) : (
              <Empty text="Nothing waits for your approval" />
            )}
          </Section>
        </Grid>
        <Grid item xs={12}>
          <Section
            title="Stopped lines and freezes"
            count={
              value.stoppedLines.length +
              value.calendars.filter(c => c.frozen).length
            }
          >
            <FreezeList
              stoppedLines={value.stoppedLines}
              calendars={value.calendars}
            />
          </Section>
        </Grid>
        <Grid item xs={12}>
          <Section title="In flight" count={value.inFlight.length}>
            {value.inFlight.length ? (
              <OverviewTable columns={movementColumns} data={value.inFlight} />
            ) : (
              <Empty text="Nothing is moving" />
            )}
          </Section>
        </Grid>
        <Grid item xs={12}>
          <Section title="Recent rollbacks" count={value.rollbacks.length}>
            {value.rollbacks.length ? (
              <OverviewTable columns={rollbackColumns} data={value.rollbacks} />
            ) : (
              <Empty text="No rollback in the last 7 days" />
            )}
          </Section>
        </Grid>
      </Grid>
    );
  }
  return (
    <Page themeId="tool">
      <Header
        title="Promotions"
        subtitle="Across every service you may read: what waits for you, what is stopped, what moves"
      />
      <Content>{body}</Content>
    </Page>
  );
};
