import { DeploymentRecord, PromotionRecord } from '../database/PromotionStore';
import { EngineContext } from './context';
import { runDeployment } from './deploymentRunner';
import { runPromotion } from './promotionRunner';

/** A claimed row and what to do with it. */
type Job =
  | { kind: 'promotion'; row: PromotionRecord }
  | { kind: 'deployment'; row: DeploymentRecord };

/** The kind of due work one worker claims. */
export type WorkKind = Job['kind'];

/** What one drain saw, for metrics and the pass budget. */
export interface PassReport {
  ms: number;
  claimed: number;
}

/**
 * Claims due work and runs it with bounded concurrency. Each job holds one
 * slot for as long as its gates and deploy calls take, each under its own
 * timeout; the other slots keep claiming, so a hanging provider or deploy
 * system delays only its own lane. Only due rows are claimed: a lane whose
 * gates wait for an event costs nothing per pass.
 */
export class EngineWorker {
  private draining?: Promise<void>;
  private kicked = false;
  private wakeUp?: () => void;
  private stopped = false;

  constructor(
    private readonly ctx: EngineContext,
    private readonly kind: WorkKind,
    private readonly onPass?: (report: PassReport) => void,
  ) {}

  /** Nothing runs and nothing was asked for since the last drain. */
  get idle(): boolean {
    return !this.draining && !this.kicked;
  }

  private get concurrency(): number {
    const { timings } = this.ctx;
    return this.kind === 'promotion'
      ? timings.evaluationConcurrency
      : timings.concurrency;
  }

  /** Work is due now: claim it, at once if a drain is running. */
  kick(): void {
    if (this.stopped) return;
    this.kicked = true;
    this.wakeUp?.();
    if (!this.draining) {
      this.draining = this.drain().finally(() => {
        this.draining = undefined;
        // A kick that came while the last drain was finishing starts another.
        if (this.kicked && !this.stopped) this.kick();
      });
    }
  }

  /** One scheduled pass: claims everything due (expired leases too). */
  async tick(): Promise<void> {
    this.kick();
    await this.draining;
  }

  /** Waits until no due work is left (for tests and shutdown). */
  async runUntilIdle(): Promise<void> {
    this.kick();
    while (this.draining) {
      await this.draining;
    }
  }

  /** Stops claiming and waits for the jobs that run. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.draining;
  }

  /** Claims up to one slot-full of due work and runs it to the end; returns how many jobs ran. */
  async runOnce(): Promise<number> {
    const jobs = await this.claim(this.concurrency);
    await Promise.all(jobs.map(job => this.run(job)));
    return jobs.length;
  }

  private async drain(): Promise<void> {
    const started = Date.now();
    let claimed = 0;
    const active = new Set<Promise<void>>();
    try {
      while (!this.stopped) {
        const { concurrency } = this;
        const free = concurrency - active.size;
        let got = 0;
        // Claim in batches: wait for half the slots unless nothing runs.
        if (
          this.kicked &&
          free > 0 &&
          (free * 2 >= concurrency || active.size === 0)
        ) {
          this.kicked = false;
          const limit = claimed === 0 ? this.firstClaim(free) : free;
          const jobs = await this.claim(limit);
          got = jobs.length;
          claimed += got;
          for (const job of jobs) {
            const running: Promise<void> = this.run(job).finally(() => {
              active.delete(running);
              // A finished job frees a slot: look for more due work.
              this.kicked = true;
            });
            active.add(running);
          }
          // A full claim may have left more behind.
          if (got === limit) this.kicked = true;
        }
        if (active.size === 0 && !this.kicked) return;
        if (got === 0 || active.size >= concurrency) {
          await this.nextEvent(active);
        }
      }
    } catch (error) {
      this.ctx.logger.error(`Promotion engine pass failed: ${error}`);
    } finally {
      await Promise.allSettled([...active]);
      const report = { ms: Date.now() - started, claimed };
      this.ctx.metrics.passFinished(report.ms, report.claimed);
      this.onPass?.(report);
    }
  }

  /**
   * A drain's first promotion claim takes only as many lanes as there are
   * deployment slots: after a mass wake (a lifted freeze) the first lanes
   * promote and start deploying while the rest are still being read.
   */
  private firstClaim(free: number): number {
    return this.kind === 'promotion'
      ? Math.min(free, this.ctx.timings.concurrency)
      : free;
  }

  /** Resolves when a job finishes or someone kicks. */
  private nextEvent(active: Set<Promise<void>>): Promise<void> {
    if (this.kicked && active.size === 0) return Promise.resolve();
    return new Promise<void>(resolve => {
      this.wakeUp = resolve;
      Promise.race(active).then(resolve, resolve);
    }).finally(() => {
      this.wakeUp = undefined;
    });
  }

  private async claim(limit: number): Promise<Job[]> {
    const { store, clock, timings, ticket } = this.ctx;
    if (this.kind === 'deployment') {
      const rows = await store.claimDeployments(
        clock(),
        ticket,
        timings.leaseMs,
        limit,
      );
      return rows.map(row => ({ kind: 'deployment' as const, row }));
    }
    const rows = await store.claimPromotions(
      clock(),
      ticket,
      timings.leaseMs,
      limit,
    );
    return rows.map(row => ({ kind: 'promotion' as const, row }));
  }

  private async run(job: Job): Promise<void> {
    this.ctx.metrics.laneEvaluated(job.kind);
    try {
      if (job.kind === 'promotion') {
        await runPromotion(this.ctx, job.row);
      } else {
        await runDeployment(this.ctx, job.row);
      }
    } catch (error) {
      // The lease runs out and another pass retries from stored state.
      this.ctx.logger.warn(
        `Processing ${job.kind} ${job.row.id} failed, will retry: ${error}`,
      );
    }
  }
}
