import { LoggerService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { v4 as uuid } from 'uuid';

/** The PostgreSQL channel replicas use to say "work is due". */
export const WAKE_CHANNEL = 'promotion_engine_wake';

/** Tells the other replicas that work is due, and hears them say so. */
export interface ReplicaWakeups {
  notify(): void;
  close(): Promise<void>;
}

const NONE: ReplicaWakeups = { notify() {}, close: async () => {} };

/**
 * On PostgreSQL, one listening connection per replica: a replica that
 * creates work (a registration, an approval, a promotion it opened) sends a
 * NOTIFY, and every other replica claims at once instead of at its next
 * tick. A burst of notifications is coalesced: the first goes at once, the
 * rest become one at the end of `coalesceMs`. Elsewhere (and
 * if the listening connection breaks) the scheduler's tick is the fallback.
 */
export async function connectReplicaWakeups(options: {
  knex: Knex;
  logger: LoggerService;
  onWake: () => void;
  coalesceMs?: number;
}): Promise<ReplicaWakeups> {
  const { knex, logger } = options;
  if (knex.client.config.client !== 'pg') return NONE;
  const self = uuid();
  const coalesceMs = options.coalesceMs ?? 20;
  let connection: any;
  try {
    connection = await knex.client.acquireRawConnection();
    connection.on('notification', (message: { payload?: string }) => {
      if (message.payload !== self) options.onWake();
    });
    connection.on('error', (error: Error) => {
      logger.warn(
        `Replica wake-ups stopped (the scheduler's tick takes over): ${error}`,
      );
    });
    await connection.query(`LISTEN ${WAKE_CHANNEL}`);
  } catch (error) {
    logger.warn(
      `Replica wake-ups unavailable (the scheduler's tick takes over): ${error}`,
    );
    connection?.end?.().catch(() => {});
    return NONE;
  }
  let pending: NodeJS.Timeout | undefined;
  let closed = false;
  let lastSent = -Infinity;
  const send = () => {
    lastSent = Date.now();
    knex
      .raw('select pg_notify(?, ?)', [WAKE_CHANNEL, self])
      .catch(error =>
        logger.debug(`Could not wake the other replicas: ${error}`),
      );
  };
  return {
    // The first wake goes at once; those within `coalesceMs` after it
    // become one more at the end of that time.
    notify() {
      if (pending || closed) return;
      const wait = lastSent + coalesceMs - Date.now();
      if (wait <= 0) {
        send();
        return;
      }
      pending = setTimeout(() => {
        pending = undefined;
        if (!closed) send();
      }, wait);
    },
    async close() {
      closed = true;
      clearTimeout(pending);
      await connection.end().catch(() => {});
    },
  };
}
