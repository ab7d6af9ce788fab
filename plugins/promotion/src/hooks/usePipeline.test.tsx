import { PropsWithChildren } from 'react';
import { act, renderHook } from '@testing-library/react';
import { mockApis, TestApiProvider } from '@backstage/test-utils';
import { configApiRef } from '@backstage/core-plugin-api';
import { SignalApi, signalApiRef } from '@backstage/plugin-signals-react';
import type { PipelineView } from '@promotion-pipeline/backstage-plugin-promotion-common';
import { PromotionApi, promotionApiRef } from '../api';
import { nextPollDelay, usePipeline } from './usePipeline';

const entityRef = 'component:default/checkout';

function pipeline(marker: string): PipelineView {
  return {
    entityRef,
    pipeline: marker,
    environments: [],
    recentDeployments: [],
  };
}

function defineHidden(hidden: boolean) {
  Object.defineProperty(document, 'hidden', {
    configurable: true,
    get: () => hidden,
  });
}

function setHidden(hidden: boolean) {
  defineHidden(hidden);
  document.dispatchEvent(new Event('visibilitychange'));
}

function setup(signalApi?: SignalApi, config?: object) {
  const getPipeline = jest.fn(async () => pipeline('a'));
  const api = { getPipeline } as unknown as PromotionApi;
  const apis: any[] = [[promotionApiRef, api]];
  if (signalApi) apis.push([signalApiRef, signalApi]);
  if (config) apis.push([configApiRef, mockApis.config({ data: config })]);
  const wrapper = ({ children }: PropsWithChildren<{}>) => (
    <TestApiProvider apis={apis}>{children}</TestApiProvider>
  );
  const hook = renderHook(() => usePipeline(entityRef), { wrapper });
  return { getPipeline, hook };
}

async function advance(ms: number) {
  await act(async () => {
    await jest.advanceTimersByTimeAsync(ms);
  });
}

describe('nextPollDelay', () => {
  it('doubles while nothing changes, up to the maximum, and resets on a change', () => {
    expect(nextPollDelay(2000, false, 2000, 30000)).toBe(4000);
    expect(nextPollDelay(16000, false, 2000, 30000)).toBe(30000);
    expect(nextPollDelay(30000, true, 2000, 30000)).toBe(2000);
  });
});

describe('usePipeline', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    // No event: the hook of the finished test must not fetch again.
    defineHidden(false);
    jest.useRealTimers();
  });

  it('polls after 2 s, then backs off while nothing changes', async () => {
    const { getPipeline, hook } = setup();
    await advance(0);
    expect(hook.result.current.value?.pipeline).toBe('a');
    expect(getPipeline).toHaveBeenCalledTimes(1);

    await advance(2000); // first poll: unchanged, next one in 4 s
    expect(getPipeline).toHaveBeenCalledTimes(2);
    await advance(3000);
    expect(getPipeline).toHaveBeenCalledTimes(2);
    await advance(1000);
    expect(getPipeline).toHaveBeenCalledTimes(3);
  });

  it('shows a change and polls fast again after one', async () => {
    const { getPipeline, hook } = setup();
    await advance(0);
    expect(hook.result.current.version).toBe(1);
    await advance(2000);
    await advance(4000); // now waiting 8 s
    getPipeline.mockResolvedValue(pipeline('b'));
    await advance(8000);
    expect(hook.result.current.value?.pipeline).toBe('b');
    expect(hook.result.current.version).toBe(2);
    const calls = getPipeline.mock.calls.length;
    await advance(2000);
    expect(getPipeline).toHaveBeenCalledTimes(calls + 1);
  });

  it('pauses while the page is hidden and fetches at once when it shows again', async () => {
    const { getPipeline, hook } = setup();
    await advance(0);
    expect(hook.result.current.value).toBeDefined();
    act(() => setHidden(true));
    await advance(60000);
    expect(getPipeline).toHaveBeenCalledTimes(1);
    await act(async () => setHidden(false));
    expect(getPipeline).toHaveBeenCalledTimes(2);
  });

  it('fetches at once when the backend signals a change', async () => {
    let deliver: (message: any) => void = () => {};
    const signalApi: SignalApi = {
      subscribe: jest.fn((channel, onMessage) => {
        expect(channel).toBe(`promotion:${entityRef}`);
        deliver = onMessage;
        return { unsubscribe: jest.fn() };
      }),
    };
    const { getPipeline, hook } = setup(signalApi);
    await advance(0);
    expect(hook.result.current.value).toBeDefined();
    getPipeline.mockResolvedValue(pipeline('b'));
    await act(async () => deliver({ entityRef }));
    await advance(0);
    expect(hook.result.current.value?.pipeline).toBe('b');
    expect(getPipeline).toHaveBeenCalledTimes(2);
  });

  it('with promotion.pipelineTab.polling false fetches only on signals', async () => {
    let deliver: (message: any) => void = () => {};
    const signalApi: SignalApi = {
      subscribe: jest.fn((_channel, onMessage) => {
        deliver = onMessage;
        return { unsubscribe: jest.fn() };
      }),
    };
    const { getPipeline, hook } = setup(signalApi, {
      promotion: { pipelineTab: { polling: false } },
    });
    await advance(0);
    expect(hook.result.current.value?.pipeline).toBe('a');
    await advance(120000);
    expect(getPipeline).toHaveBeenCalledTimes(1);
    getPipeline.mockResolvedValue(pipeline('b'));
    await act(async () => deliver({ entityRef }));
    await advance(0);
    expect(hook.result.current.value?.pipeline).toBe('b');
    await advance(120000);
    expect(getPipeline).toHaveBeenCalledTimes(2);
  });

  it('keeps the last pipeline and reports the error when a fetch fails', async () => {
    const { getPipeline, hook } = setup();
    await advance(0);
    expect(hook.result.current.value).toBeDefined();
    getPipeline.mockRejectedValueOnce(new Error('backend down'));
    await advance(2000);
    expect(hook.result.current.error?.message).toBe('backend down');
    expect(hook.result.current.value?.pipeline).toBe('a');
  });
});
