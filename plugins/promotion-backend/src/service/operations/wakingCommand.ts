import { OperationContext } from './context';

/**
 * The binding shared by operations whose command checks the caller itself
 * and wakes the engine after it commits (lift a freeze, cancel a rollback,
 * approve or reject, release a hold, mark an artifact bad): which part of the
 * context the route takes, and the deps the command gets from it. One place,
 * so the operations cannot drift apart in how they wake the lanes they free.
 */

/** Commands that check a permission against a stored record and record the refusal (freezes, rollbacks). */
export type RecordCommandContext = Pick<
  OperationContext,
  | 'httpAuth'
  | 'permissions'
  | 'auditor'
  | 'store'
  | 'engine'
  | 'recordRefusal'
  | 'clock'
>;

/** Commands that resolve the service in the path and check the caller on it (holds, bad marks). */
export type ServiceCommandContext = Pick<
  OperationContext,
  'httpAuth' | 'auditor' | 'store' | 'authorizedService' | 'engine' | 'clock'
>;

const wakeOf = (engine: OperationContext['engine']) => () => engine.kick();

/** The deps of a {@link RecordCommandContext} command. */
export function recordCommandDeps({
  store,
  permissions,
  recordRefusal,
  engine,
  clock,
}: RecordCommandContext) {
  return { store, permissions, recordRefusal, wake: wakeOf(engine), clock };
}

/** The deps of a {@link ServiceCommandContext} command. */
export function serviceCommandDeps({
  store,
  authorizedService,
  engine,
  clock,
}: ServiceCommandContext) {
  return { store, authorizedService, wake: wakeOf(engine), clock };
}
