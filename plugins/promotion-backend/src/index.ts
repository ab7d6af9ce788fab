/**
 * Promotion engine, gate scheduler and REST API.
 *
 * @packageDocumentation
 */
export { promotionPlugin as default } from './plugin';
export { migrateUnderLock } from './database/migrations';
export type { ApplyMigrationsOptions } from './database/migrations';
