// Public entry of the device registry: what exists (channels, sensors, grid
// cells, departments, API keys), its store, its events and its HTTP routes.
export * from './errors.ts';
export * from './events.ts';
export * from './validation.ts';
export * from './secrets.ts';
export { REDACTED, redactUrl } from './redact-url.ts';
export { ApiKeys, SYSTEM_ACTOR } from './auth/api-keys.ts';
export { SignedTokens, UrlTokens, type TokenCheck } from './auth/signed-tokens.ts';
export { RegistryService } from './service/registry-service.ts';
export { SqliteRegistryStore } from './store/sqlite/sqlite-store.ts';
export { PgRegistryStore } from './store/postgres/pg-store.ts';
export { isPostgresUnreachable } from './store/postgres/unreachable.ts';
export { connectPgClient, createPgPool, type PgPoolOptions, type PgPoolSpec, type PoolLog } from './store/postgres/pg-pool.ts';
export { inTransaction, migrateOnPool, migratePostgres, type PgMigration } from './store/postgres/pg-migrate.ts';
export { migrate, openDatabase, type Migration } from './store/sqlite/migrate.ts';
export type * from './store/registry-store.ts';
export { ENTITY_NAMES } from './store/registry-store.ts';
export { auth } from './http/auth.ts';
export { Scopes, inCoverage, type Coverage, type PlaceLookup, type UserScopeLookup } from './auth/scope.ts';
export { scopeChecks } from './http/scope-plugin.ts';
export type { RouteScope, ScopedKind, ScopeRouteEntry } from './http/fastify-types.ts';
export { installValidators } from './http/validators.ts';
export { registryRoutes } from './http/index.ts';
export { ADMIN_ROLES, READ_ROLES, WRITE_ROLES } from './http/roles.ts';
export { ALL_ROLES, ErrorBody, Id, type Role } from './schemas/common.ts';
export { defaultSensorTopic } from './entities/sensors.ts';
export { compact } from './entities/descriptor.ts';
export { RuleOverride } from './schemas/sensor.ts';
