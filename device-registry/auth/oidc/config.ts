// Single sign-on through the city's OpenID Connect provider (Keycloak, …):
// the `auth.oidc` section of the gateway's configuration. It lives in the
// registry (people are the registry's) and the gateway's schema includes it.
import { Type, type Static } from '@sinclair/typebox';
import { Role } from '../../schemas/common.ts';

const ClaimName = Type.String({ minLength: 1, maxLength: 128 });
const OptionalClaim = Type.Union([ClaimName, Type.Null()]);

export const OidcClaims = Type.Object(
  {
    /** The user name in the gateway (default `preferred_username`). */
    username: ClaimName,
    /** The name shown (default `name`); the user name when absent. */
    displayName: OptionalClaim,
    /** The claim whose value (a string, or a list such as `groups`) is looked up in `roleMap`. */
    role: ClaimName,
    /** The claim with the grid codes the person may see (a list, or one string of codes split by spaces or commas); null: every user sees everything. */
    scope: OptionalClaim,
    /** The claim naming the person's department (a department id of the registry); null: none. */
    department: OptionalClaim,
  },
  { additionalProperties: false },
);

export const OidcConfig = Type.Object(
  {
    enabled: Type.Boolean(),
    /** What the sign-in page's button says. */
    label: Type.String({ minLength: 1, maxLength: 64 }),
    /** The provider's issuer URL, e.g. https://sso.city.example/realms/city (its discovery document is <issuer>/.well-known/openid-configuration). */
    issuer: Type.Union([Type.String({ format: 'uri' }), Type.Null()]),
    clientId: Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Null()]),
    /** A confidential client's secret (sent with HTTP Basic); null for a public client (PKCE alone). Never logged or returned. */
    clientSecret: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
    /** Where the provider sends the browser back; null: <the request's origin>/api/auth/oidc/callback (set it behind a proxy that rewrites the host). */
    redirectUri: Type.Union([Type.String({ format: 'uri' }), Type.Null()]),
    scopes: Type.Array(Type.String({ minLength: 1, pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$' }), { minItems: 1, maxItems: 32 }),
    claims: OidcClaims,
    /** Claim value → role, tried in the order written (put the most trusted first); empty: the claim's value must be a role name itself. */
    roleMap: Type.Record(Type.String({ minLength: 1 }), Role),
    /** The role of a person whose claims map to none; null: such a person is refused. */
    defaultRole: Type.Union([Role, Type.Null()]),
    /** Seconds for each request to the provider (discovery, token, keys) before it counts as down. */
    timeoutSeconds: Type.Number({ minimum: 1, maximum: 60 }),
    /** Allows an http:// issuer (a provider on the loopback or a trusted network, tests); https otherwise. */
    allowHttp: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type OidcConfig = Static<typeof OidcConfig>;

/** Choices that only make sense together; each problem names its path. */
export function oidcProblems(oidc: OidcConfig, path = 'auth.oidc'): string[] {
  if (!oidc.enabled) return [];
  const problems: string[] = [];
  if (!oidc.issuer) problems.push(`${path}.issuer: is required when single sign-on is enabled`);
  else if (oidc.issuer.startsWith('http://') && !oidc.allowHttp) problems.push(`${path}.issuer: must be https:// (set ${path}.allowHttp for a provider on a trusted network)`);
  else if (!/^https?:\/\//.test(oidc.issuer)) problems.push(`${path}.issuer: must be an http(s) URL`);
  if (!oidc.clientId) problems.push(`${path}.clientId: is required when single sign-on is enabled`);
  if (!oidc.scopes.includes('openid')) problems.push(`${path}.scopes: must include openid`);
  return problems;
}
