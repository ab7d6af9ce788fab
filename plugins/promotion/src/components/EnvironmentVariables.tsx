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
              <TableCell component="th" scope="row">
                <code>{name}</code>
              </TableCell>
              <TableCell style={{ wordBreak: 'break-all' }}>
                <code>{value}</code>
              </TableCell>
            </TableRow>
          ))}
          {lane.secretRefs.map(name => (
            <TableRow key={`secret-${name}`}>
              <TableCell component="th" scope="row">
                <code>{name}</code>
              </TableCell>
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
