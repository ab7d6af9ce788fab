export interface Config {
  /** Continuous deployment across environments (frontend settings). */
  promotion?: {
    /**
     * How the Pipeline tab and the entity Overview card stay up to date.
     * @visibility frontend
     */
    pipelineTab?: {
      /**
       * Poll the pipeline as well as listening to signals (default true).
       * With false the page refetches only on a backend signal, when it
       * becomes visible again and after the user acts: for portals whose
       * events and signals backends are installed.
       * @visibility frontend
       */
      polling?: boolean;
    };
  };
}
