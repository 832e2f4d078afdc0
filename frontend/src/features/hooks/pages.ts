// Both hooks pages in one chunk: one lazy import in the router instead of two.
export { EnvironmentHooksPage } from './environment-hooks-page';
export { PartyHooksPage } from './party-hooks-page';
