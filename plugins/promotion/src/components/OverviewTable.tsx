import { Fragment, ReactNode } from 'react';
import { Box, Typography, useMediaQuery } from '@material-ui/core';
import { Theme } from '@material-ui/core/styles';
import { Table, TableColumn } from '@backstage/core-components';

function cell<T extends object>(column: TableColumn<T>, row: T): ReactNode {
  if (column.render) return column.render(row, 'row');
  const value = column.field
    ? (row as Record<string, unknown>)[column.field as string]
    : undefined;
  if (value !== undefined && value !== null) return String(value);
  return typeof column.emptyValue === 'string' ? column.emptyValue : '—';
}

/**
 * A section's rows on the Promotions page: a table where there is room, and
 * on a phone one block per row with each column's title beside its value,
 * so no column is cut off or hidden behind a sideways scroll.
 */
export function OverviewTable<T extends object>({
  columns,
  data,
}: {
  columns: TableColumn<T>[];
  data: T[];
}) {
  const narrow = useMediaQuery((theme: Theme) => theme.breakpoints.down('xs'));
  if (!narrow) {
    return (
      <Table
        options={{
          paging: false,
          search: false,
          toolbar: false,
          padding: 'dense',
        }}
        columns={columns}
        data={data}
      />
    );
  }
  return (
    <Box component="ul" m={0} p={0} style={{ listStyle: 'none' }}>
      {data.map((row, i) => (
        <Box
          component="li"
          key={i}
          px={2}
          py={1}
          borderTop={i > 0 ? 1 : 0}
          borderColor="divider"
        >
          <dl
            style={{
              margin: 0,
              display: 'grid',
              gridTemplateColumns: 'auto 1fr',
              columnGap: 12,
              rowGap: 2,
              alignItems: 'baseline',
            }}
          >
            {columns.map(column => (
              <Fragment key={String(column.title)}>
                <Typography
                  component="dt"
                  variant="caption"
                  color="textSecondary"
                >
                  {column.title}
                </Typography>
                <Typography
                  component="dd"
                  variant="body2"
                  style={{ margin: 0 }}
                >
                  {cell(column, row)}
                </Typography>
              </Fragment>
            ))}
          </dl>
        </Box>
      ))}
    </Box>
  );
}
