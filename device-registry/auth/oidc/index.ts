// Public entry of single sign-on (OpenID Connect): the `auth.oidc` config
// section and the sign-in routes. README: "Single sign-on (OpenID Connect)".
export { OidcConfig, oidcProblems } from './config.ts';
export { oidcRoutes, type ExternalIdentity, type OidcAccounts, type OidcRoutesOptions } from './routes.ts';
