import type {
  Approval,
  Freeze,
  GateResult,
  Hold,
  TestResult,
} from '@promotion-pipeline/backstage-plugin-promotion-common';
import DataLoader from 'dataloader';
import {
  GateResultsWrite,
  LaneKey,
  PromotionGo,
  PromotionRelease,
  laneKey,
} from './LaneStore';
import {
  ArtifactRecord,
  DeploymentRecord,
  DeploymentStart,
  PromotionStore,
} from './PromotionStore';

/** Most keys one batched statement carries. */
const MAX_BATCH = 500;

/**
 * Lanes evaluated at the same time share their queries: every read or write
 * asked for before the event loop turns (`setImmediate`) goes out as one
 * statement for all of them. Nothing is cached between batches, so each
 * evaluation still sees the database as it is.
 */
function batched<K, V>(
  load: (keys: readonly K[]) => Promise<ArrayLike<V | Error>>,
  cacheKeyFn?: (key: K) => string,
) {
  return new DataLoader<K, V, string>(load, {
    cache: false,
    maxBatchSize: MAX_BATCH,
    batchScheduleFn: callback => setImmediate(callback),
    ...(cacheKeyFn ? { cacheKeyFn } : {}),
  });
}

/**
 * A batched write: the whole batch in one statement; when that fails, each
 * item on its own, so one bad row fails only its own lane.
 */
function batchedWrite<T, R = void>(
  writeAll: (items: T[]) => Promise<R[] | void>,
): DataLoader<T, R, T> {
  const results = async (items: T[]) => {
    const written = await writeAll(items);
    return written ?? items.map(() => undefined as R);
  };
  return batched<T, R>(async items => {
    try {
      return await results([...items]);
    } catch {
      return Promise.all(
        items.map(item =>
          results([item]).then(
            ([result]) => result,
            error => error as Error,
          ),
        ),
      );
    }
  });
}

/** The reads and writes of one lane evaluation, batched across lanes. */
export interface LaneReads {
  artifact(id: string): Promise<ArtifactRecord | undefined>;
  verifiedIn(lane: LaneKey): Promise<DeploymentRecord | undefined>;
  testResults(artifactId: string): Promise<TestResult[]>;
  gateResults(promotionId: string): Promise<GateResult[]>;
  holds(lane: LaneKey): Promise<Array<Hold & { artifactId: string }>>;
  freezes(lane: LaneKey): Promise<Freeze[]>;
  approvals(promotionId: string): Promise<Approval[]>;
  saveGateResults(write: GateResultsWrite): Promise<void>;
  releasePromotion(release: PromotionRelease, ticket: string): Promise<void>;
  /** Starts a queued deployment (see `PromotionStore.startDeployments`). */
  startDeployment(
    start: DeploymentStart,
  ): Promise<DeploymentRecord | undefined>;
  /** Promotes and queues its deployment; false when it is no longer pending. */
  promote(go: PromotionGo): Promise<boolean>;
  /**
   * Runs `work` in one transaction shared with the other lanes' writes asked
   * for in the same turn: one commit for the batch instead of one each.
   */
  write<R>(lane: LaneKey, work: (tx: PromotionStore) => Promise<R>): Promise<R>;
}

/** One lane's share of a shared transaction. */
interface LaneWrite {
  lane: LaneKey;
  work: (tx: PromotionStore) => Promise<unknown>;
}

/**
 * Runs the writes one after another in lane order, so replicas lock lanes in
 * the same order and never deadlock each other. When the shared transaction
 * fails (one bad write rolls all of it back), each write runs on its own, so
 * the bad one fails only its own lane.
 */
function sharedTransactions(store: PromotionStore) {
  return batched<LaneWrite, unknown>(async writes => {
    const order = writes
      .map((write, index) => ({ write, index, key: laneKey(write.lane) }))
      .sort((a, b) => {
        if (a.key === b.key) return a.index - b.index;
        return a.key < b.key ? -1 : 1;
      });
    try {
      const results: unknown[] = new Array(writes.length);
      await store.transaction(
        async tx => {
          for (const { write, index } of order) {
            results[index] = await write.work(tx);
          }
        },
        { batchEvents: true },
      );
      return results;
    } catch {
      return Promise.all(
        writes.map(write =>
          store
            .transaction(write.work, { batchEvents: true })
            .catch(error => error as Error),
        ),
      );
    }
  });
}

export function createLaneReads(store: PromotionStore): LaneReads {
  const lanes = store.lanes();
  const byKey = <V>(
    read: (keys: LaneKey[]) => Promise<Map<string, V>>,
    fallback: V,
  ) =>
    batched<LaneKey, V>(async keys => {
      const map = await read([...keys]);
      return keys.map(key => map.get(laneKey(key)) ?? fallback);
    }, laneKey);
  const byId = <V>(
    read: (ids: string[]) => Promise<Map<string, V>>,
    fallback: V,
  ) =>
    batched<string, V>(async ids => {
      const map = await read([...ids]);
      return ids.map(id => map.get(id) ?? fallback);
    });

  const artifacts = byId<ArtifactRecord | undefined>(
    ids => store.getArtifactsById(ids),
    undefined,
  );
  const verified = byKey<DeploymentRecord | undefined>(
    keys => lanes.verifiedDeployments(keys),
    undefined,
  );
  const tests = byId<TestResult[]>(ids => lanes.testResults(ids), []);
  const verdicts = byId<GateResult[]>(ids => lanes.gateResults(ids), []);
  const holds = byKey<Array<Hold & { artifactId: string }>>(
    keys => lanes.activeHolds(keys),
    [],
  );
  const freezes = byKey<Freeze[]>(keys => lanes.activeFreezes(keys), []);
  const approvals = byId<Approval[]>(
    ids => store.decisions().listApprovals(ids),
    [],
  );
  const saves = batchedWrite<GateResultsWrite>(writes =>
    lanes.saveGateResults(writes),
  );
  const promotes = batchedWrite<PromotionGo, boolean>(goes =>
    lanes.promote(goes),
  );
  const starts = batchedWrite<DeploymentStart, DeploymentRecord | undefined>(
    items => store.startDeployments(items),
  );
  const shared = sharedTransactions(store);
  // One loader per ticket: a replica has one, tests may run several.
  const releases = new Map<string, DataLoader<PromotionRelease, void>>();

  return {
    artifact: id => artifacts.load(id),
    verifiedIn: lane => verified.load(lane),
    testResults: id => tests.load(id),
    gateResults: id => verdicts.load(id),
    holds: lane => holds.load(lane),
    freezes: lane => freezes.load(lane),
    approvals: id => approvals.load(id),
    saveGateResults: write => saves.load(write),
    promote: go => promotes.load(go),
    startDeployment: start => starts.load(start),
    write: <R>(lane: LaneKey, work: (tx: PromotionStore) => Promise<R>) =>
      shared.load({ lane, work }) as Promise<R>,
    releasePromotion: (release, ticket) => {
      let loader = releases.get(ticket);
      if (!loader) {
        loader = batchedWrite<PromotionRelease>(items =>
          lanes.releasePromotions(items, ticket),
        );
        releases.set(ticket, loader);
      }
      return loader.load(release);
    },
  };
}
