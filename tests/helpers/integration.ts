/**
 * What the integration tests use, from one module: the test context and its agent
 * (`describeOnStores`, `loginAs`), the factories, the user-management helpers, the login
 * steps and the second factor's rows.
 */
export * from './context.js';
export * from './login-steps.js';
export * from './second-factor.js';
export { openTestStore, type StoreKind, storeKinds } from './stores.js';
export * from './users-manage.js';
