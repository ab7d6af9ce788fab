/**
 * Shared types, API schemas and permissions of the promotion plugins.
 *
 * @packageDocumentation
 */
export * from './annotations';
export * from './entityRefs';
export * from './evidence';
export * from './permissions';
export * from './schemas';
export * from './types';
