import { createContext, PropsWithChildren, useContext } from 'react';

/** What every control in the tab needs: whose pipeline it is and how to reload it. */
export interface PipelineContextValue {
  entityRef: string;
  /** Fetch the pipeline now, after an action changed it. */
  refresh: () => void;
}

const PipelineContext = createContext<PipelineContextValue | undefined>(
  undefined,
);

/** Provides {@link PipelineContextValue} to the lanes and their controls. */
export const PipelineProvider = ({
  value,
  children,
}: PropsWithChildren<{ value: PipelineContextValue }>) => (
  <PipelineContext.Provider value={value}>{children}</PipelineContext.Provider>
);

/** The pipeline the calling control belongs to. */
export function usePipelineContext(): PipelineContextValue {
  const value = useContext(PipelineContext);
  if (!value) {
    throw new Error(
      'usePipelineContext must be used inside a PipelineProvider',
    );
  }
  return value;
}
