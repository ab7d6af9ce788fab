import { Fragment, ReactNode, useId, useState } from 'react';
import {
  Box,
  Button,
  MenuItem,
  TextField,
  Typography,
  useMediaQuery,
} from '@material-ui/core';
import { makeStyles, Theme } from '@material-ui/core/styles';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type { AuditEvent } from '@promotion-pipeline/backstage-plugin-promotion-common';
import useAsync from 'react-use/esm/useAsync';
import { promotionApiRef } from '../api';
import { formatRelative, shortDigest, shortenDigests } from './format';

/** Event kinds the backend writes, by family; a family filters all of its kinds. */
export const EVENT_KINDS: Record<string, string[]> = {
  artifact: ['artifact.registered', 'artifact.marked_bad'],
  tests: ['tests.reported'],
  promotion: [
    'promotion.created',
    'promotion.promoted',
    'promotion.failed',
    'promotion.cancelled',
  ],
  gate: ['gate.verdict'],
  deployment: [
    'deployment.queued',
    'deployment.deploying',
    'deployment.soaking',
    'deployment.verified',
    'deployment.failed',
    'deployment.superseded',
    'deployment.rolled_back',
    'deployment.reported',
  ],
  approval: ['approval.given', 'approval.rejected'],
  rollback: ['rollback.requested'],
  hold: ['hold.created', 'hold.released'],
  freeze: [
    'freeze.created',
    'freeze.lifted',
    'incident.freeze.started',
    'incident.freeze.ended',
  ],
  action: ['action.refused'],
};

const PAGE_SIZE = 20;

function describeDetails(details: Record<string, unknown>): string {
  if (typeof details.reason === 'string') return details.reason;
  return Object.entries(details)
    .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
    .slice(0, 3)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
}

// Short columns stay on one line (a kind such as deployment.superseded is
// unreadable split mid-word); the details take the rest and wrap. The
// table gives unsized columns equal shares, so every column names its share.
const oneLine = { whiteSpace: 'nowrap' } as const;
// Never mid-word: the table's cells would otherwise split 'deploymen t.'.
const wholeWords = { overflowWrap: 'normal', wordBreak: 'normal' } as const;

/**
 * A kind or actor that may wrap only after a '.', ':' or '/'
 * (deployment. / rolled_back, user:development/ / guest): on one line
 * each, the columns left the details cut off at the card's edge at 1280 px.
 */
const Breakable = ({ text }: { text: string }) => (
  <>
    {text.split(/(?<=[.:/])/).map((part, i) => (
      <Fragment key={i}>
        {i > 0 && <wbr />}
        {part}
      </Fragment>
    ))}
  </>
);

const columns: TableColumn<AuditEvent>[] = [
  {
    title: 'When',
    field: 'at',
    width: '11%',
    cellStyle: oneLine,
    render: e => <span title={e.at}>{formatRelative(e.at)}</span>,
  },
  {
    title: 'Environment',
    field: 'environment',
    emptyValue: '—',
    width: '10%',
    cellStyle: oneLine,
  },
  {
    title: 'Kind',
    field: 'kind',
    width: '17%',
    cellStyle: wholeWords,
    render: e => <Breakable text={e.kind} />,
  },
  {
    title: 'Actor',
    field: 'actor',
    width: '14%',
    cellStyle: wholeWords,
    render: e => <Breakable text={e.actor} />,
  },
  {
    title: 'Digest',
    field: 'digest',
    width: '11%',
    cellStyle: oneLine,
    render: e =>
      e.digest ? <code title={e.digest}>{shortDigest(e.digest)}</code> : '—',
  },
  {
    title: 'Details',
    width: '37%',
    cellStyle: { minWidth: 240, overflowWrap: 'anywhere' },
    render: e => {
      const details = describeDetails(e.details);
      return <span title={details}>{shortenDigests(details)}</span>;
    },
  },
];

const useStyles = makeStyles(theme => ({
  event: {
    listStyle: 'none',
    overflowWrap: 'anywhere',
    padding: theme.spacing(1, 0),
    borderBottom: `1px solid ${theme.palette.divider}`,
  },
}));

/**
 * The events as a list, for phone-sized screens where six table columns do
 * not fit and a sideways-scrolling table hides most of them.
 */
const EventList = ({
  events,
  loading,
}: {
  events: AuditEvent[];
  loading: boolean;
}) => {
  const classes = useStyles();
  if (loading) return <Progress />;
  if (events.length === 0) {
    return (
      <Box p={2}>
        <Typography variant="body2">No events</Typography>
      </Box>
    );
  }
  return (
    <Box component="ul" m={0} px={2} aria-label="Events">
      {events.map(e => {
        const details = describeDetails(e.details);
        return (
          <li key={e.id} className={classes.event}>
            <Typography variant="body2">
              <strong>{e.kind}</strong>
              {e.environment ? ` · ${e.environment}` : ''}
            </Typography>
            <Typography variant="caption" color="textSecondary" component="div">
              <span title={e.at}>{formatRelative(e.at)}</span> · {e.actor}
              {e.digest && (
                <>
                  {' · '}
                  <code title={e.digest}>{shortDigest(e.digest)}</code>
                </>
              )}
            </Typography>
            {details && (
              <Typography variant="body2" title={details}>
                {shortenDigests(details)}
              </Typography>
            )}
          </li>
        );
      })}
    </Box>
  );
};

const FilterSelect = ({
  label,
  value,
  onChange,
  children,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  children: ReactNode;
}) => {
  // MUI v4 ties the label to the select only through an id.
  const id = useId();
  return (
    <TextField
      id={id}
      select
      label={label}
      value={value}
      onChange={e => onChange(e.target.value)}
      variant="outlined"
      size="small"
      style={{ minWidth: 160 }}
    >
      <MenuItem value="">All</MenuItem>
      {children}
    </TextField>
  );
};

/**
 * The service's audit trail, newest first, a page at a time, filtered by
 * environment and event kind. Reloads the first page when `version` changes.
 */
export const HistoryTable = ({
  entityRef,
  environments,
  version,
}: {
  entityRef: string;
  environments: string[];
  version?: number;
}) => {
  const api = useApi(promotionApiRef);
  const narrow = useMediaQuery((theme: Theme) => theme.breakpoints.down('xs'));
  const [environment, setEnvironment] = useState('');
  const [kind, setKind] = useState('');
  // cursors[i] opens page i; the backend pages by cursor, so only step back and forth.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const page = cursors.length - 1;
  const cursor = cursors[page];
  // Live reloads only matter on the first page; older pages do not change.
  const reloadKey = page === 0 ? version : undefined;

  const queryKey = JSON.stringify([environment, kind, cursor]);

  const filterBy = (set: (value: string) => void) => (value: string) => {
    set(value);
    setCursors([undefined]);
  };

  const { value, loading, error } = useAsync(async () => {
    const result = await api.listEvents(entityRef, {
      environment: environment || undefined,
      kind: kind || undefined,
      cursor,
      limit: PAGE_SIZE,
    });
    return { key: queryKey, ...result };
  }, [api, entityRef, queryKey, reloadKey]);
  // A live reload of the same query refreshes in place; only a new query shows loading.
  const showLoading = loading && value?.key !== queryKey;

  return (
    <InfoCard title="History" noPadding>
      <Box display="flex" flexWrap="wrap" p={2} style={{ gap: 16 }}>
        <FilterSelect
          label="Environment"
          value={environment}
          onChange={filterBy(setEnvironment)}
        >
          {environments.map(name => (
            <MenuItem key={name} value={name}>
              {name}
            </MenuItem>
          ))}
        </FilterSelect>
        <FilterSelect label="Kind" value={kind} onChange={filterBy(setKind)}>
          {Object.entries(EVENT_KINDS).flatMap(([family, kinds]) => [
            <MenuItem key={family} value={family}>
              {family} (all)
            </MenuItem>,
            ...kinds.map(k => (
              <MenuItem key={k} value={k} style={{ paddingLeft: 32 }}>
                {k}
              </MenuItem>
            )),
          ])}
        </FilterSelect>
      </Box>
      {error && <ResponseErrorPanel error={error} />}
      {!error && narrow && (
        <EventList events={value?.items ?? []} loading={showLoading} />
      )}
      {!error && !narrow && (
        <Table<AuditEvent>
          columns={columns}
          data={value?.items ?? []}
          isLoading={showLoading}
          options={{
            paging: false,
            search: false,
            toolbar: false,
            padding: 'dense',
          }}
          emptyContent={
            <Box p={2}>
              <Typography variant="body2">No events</Typography>
            </Box>
          }
        />
      )}
      <Box
        display="flex"
        alignItems="center"
        flexWrap="wrap"
        p={1}
        style={{ gap: 8 }}
      >
        <Button
          aria-label="Newer events"
          disabled={page === 0 || showLoading}
          onClick={() => setCursors(c => c.slice(0, -1))}
        >
          Newer
        </Button>
        <Button
          aria-label="Older events"
          disabled={!value?.nextCursor || showLoading}
          onClick={() => setCursors(c => [...c, value?.nextCursor])}
        >
          Older
        </Button>
        <Typography variant="caption" color="textSecondary">
          Page {page + 1}
          {value ? ` · ${value.totalCount} events` : ''}
        </Typography>
      </Box>
    </InfoCard>
  );
};
