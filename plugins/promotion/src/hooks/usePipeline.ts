import { useCallback, useEffect, useRef, useState } from 'react';
import { configApiRef, useApi, useApiHolder } from '@backstage/core-plugin-api';
import { useSignal } from '@backstage/plugin-signals-react';
import type { PipelineView } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { promotionApiRef } from '../api';

/**
 * How often {@link usePipeline} polls: from `minIntervalMs` up to
 * `maxIntervalMs`; `polling: false` fetches on signals only (default: the
 * app-config key `promotion.pipelineTab.polling`, else true).
 */
export interface PollOptions {
  minIntervalMs?: number;
  maxIntervalMs?: number;
  polling?: boolean;
}

/** What {@link usePipeline} knows about a pipeline. */
export interface PipelineState {
  value?: PipelineView;
  error?: Error;
  loading: boolean;
  /** Grows each time the pipeline changed; lets dependants (history, DORA) reload. */
  version: number;
  /** Fetch now, e.g. after the user acted. */
  refresh: () => void;
}

/** The delay before the next poll: back to the minimum on a change, doubling otherwise. */
export function nextPollDelay(
  previous: number,
  changed: boolean,
  min: number,
  max: number,
): number {
  return changed ? min : Math.min(max, Math.max(min, previous * 2));
}

/** The signal channel the backend publishes pipeline changes on. */
export function pipelineChannel(entityRef: string): string {
  return `promotion:${entityRef}`;
}

/**
 * A service's pipeline kept live: refetched at once on a backend signal, and
 * polled as well unless turned off (signals may be unavailable or drop),
 * backing off while nothing changes and pausing while the page is hidden.
 */
export function usePipeline(
  entityRef: string,
  options: PollOptions = {},
): PipelineState {
  const { minIntervalMs = 2000, maxIntervalMs = 30000 } = options;
  // Optional: hosts without a config API (tests, other apps) poll as before.
  const config = useApiHolder().get(configApiRef);
  const polling =
    options.polling ??
    config?.getOptionalBoolean('promotion.pipelineTab.polling') ??
    true;
  const api = useApi(promotionApiRef);
  const { lastSignal } = useSignal(pipelineChannel(entityRef));
  const [state, setState] = useState<Omit<PipelineState, 'refresh'>>({
    loading: true,
    version: 0,
  });
  const refetchRef = useRef<() => void>(() => {});

  useEffect(() => {
    let disposed = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = minIntervalMs;
    let snapshot: string | undefined;
    // Only the newest request may write: a slow poll must not undo a signal's fetch.
    let sequence = 0;

    const schedule = () => {
      clearTimeout(timer);
      if (polling && !disposed && !document.hidden) {
        timer = setTimeout(load, delay);
      }
    };

    async function load() {
      clearTimeout(timer);
      const mine = ++sequence;
      try {
        const value = await api.getPipeline(entityRef);
        if (disposed || mine !== sequence) return;
        const json = JSON.stringify(value);
        const changed = json !== snapshot;
        snapshot = json;
        delay = nextPollDelay(delay, changed, minIntervalMs, maxIntervalMs);
        setState(s =>
          changed
            ? { value, loading: false, version: s.version + 1 }
            : { ...s, error: undefined, loading: false },
        );
      } catch (error) {
        if (disposed || mine !== sequence) return;
        delay = nextPollDelay(delay, false, minIntervalMs, maxIntervalMs);
        setState(s => ({ ...s, error: error as Error, loading: false }));
      }
      schedule();
    }

    const refetchNow = () => {
      delay = minIntervalMs;
      load();
    };
    const onVisibilityChange = () => {
      if (document.hidden) {
        clearTimeout(timer);
      } else {
        refetchNow();
      }
    };

    refetchRef.current = refetchNow;
    setState({ loading: true, version: 0 });
    document.addEventListener('visibilitychange', onVisibilityChange);
    load();
    return () => {
      disposed = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibilityChange);
    };
  }, [api, entityRef, minIntervalMs, maxIntervalMs, polling]);

  useEffect(() => {
    if (lastSignal) refetchRef.current();
  }, [lastSignal]);

  const refresh = useCallback(() => refetchRef.current(), []);
  return { ...state, refresh };
}
