import { Fragment } from 'react';
import {
  Box,
  Table,
  TableBody,
  TableCell,
  TableRow,
  Typography,
} from '@material-ui/core';
import LockIcon from '@material-ui/icons/Lock';
import type { EnvironmentLane } from '@promotion-pipeline/backstage-plugin-promotion-common';

// Names break only after an underscore (PROMOTION_ / PUSH_URL), never
// mid-word as the lane's wrap-anywhere rule would have it.
const nameStyle = { overflowWrap: 'normal', wordBreak: 'normal' } as const;

const VariableName = ({ name }: { name: string }) => (
  <TableCell component="th" scope="row" style={nameStyle}>
    <code>
      {name.split('_').map((part, i, parts) => (
        <Fragment key={i}>
          {part}
          {i < parts.length - 1 && (
            <>
              _<wbr />
            </>
          )}
        </Fragment>
      ))}
    </code>
  </TableCell>
);

/** A lane's variables (names and values) and secret names; secret values never reach the browser. */
export const EnvironmentVariables = ({ lane }: { lane: EnvironmentLane }) => {
  const variables = Object.entries(lane.variables);
  if (variables.length === 0 && lane.secretRefs.length === 0) {
    return null;
  }
  return (
    <Box overflow="auto">
      <Typography variant="overline" component="div">
        Configuration
      </Typography>
      <Table size="small" aria-label={`Variables of ${lane.name}`}>
        <TableBody>
          {variables.map(([name, value]) => (
            <TableRow key={name}>
              <VariableName name={name} />
              <TableCell style={{ wordBreak: 'break-all' }}>
                <code>{value}</code>
              </TableCell>
            </TableRow>
          ))}
          {lane.secretRefs.map(name => (
            <TableRow key={`secret-${name}`}>
              <VariableName name={name} />
              <TableCell>
                <Box display="flex" alignItems="center" color="text.secondary">
                  <LockIcon fontSize="small" aria-hidden />
                  <Typography variant="caption">secret</Typography>
                </Box>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
};
