/**
 * Extension points and interfaces for promotion backend modules.
 *
 * @packageDocumentation
 */
export * from './alerts';
export * from './deployer';
export * from './gate';
export * from './metrics';
export * from './pager';
export * from './extensions';
export * from './engineSettings';
