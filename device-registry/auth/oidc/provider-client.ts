// The gateway as the provider's client (openid-client): discovery, the
// authorization URL and the code exchange. openid-client checks what makes a
// sign-in trustworthy (issuer, audience, expiry, nonce, state, PKCE, and —
// asked for explicitly — the ID token's signature against the provider's
// published keys); this file adds the timeouts and sorts every failure into
// "the provider is down" or "refused".
import * as client from 'openid-client';
import type { OidcConfig } from './config.ts';
import type { PendingFlow } from './flow-cookie.ts';

/** unreachable: no answer, a timeout or a 5xx (the person may try again later); refused: the answer does not hold up. */
export class SignInFailure extends Error {
  constructor(readonly kind: 'unreachable' | 'refused', message: string, readonly detail?: string) {
    super(message);
    this.name = 'SignInFailure';
  }
}

const UNREACHABLE_CODES = new Set(['OAUTH_TIMEOUT', 'OAUTH_ABORT']);

/** A failure of openid-client sorted, with a reason for the log (never a token: its messages name checks, not values). */
export function classify(err: unknown, step: string): SignInFailure {
  if (err instanceof SignInFailure) return err;
  const e = err as { code?: string; message?: string; cause?: unknown; error?: string; error_description?: string };
  const cause = e.cause as { status?: number; code?: string; message?: string } | undefined;
  const status = cause instanceof Response ? cause.status : undefined;
  const network = err instanceof TypeError || UNREACHABLE_CODES.has(e.code ?? '') || (status !== undefined && status >= 500);
  const inner = cause instanceof Error && cause.message !== e.message ? cause.message : undefined;
  const why = [e.message, inner, e.error, e.error_description, status !== undefined ? `HTTP ${status}` : undefined, e.code].filter(Boolean).join(': ');
  return network
    ? new SignInFailure('unreachable', `${step}: the identity provider does not answer`, why)
    : new SignInFailure('refused', `${step}: the identity provider's answer does not hold up`, why);
}

export interface SignInStart {
  url: URL;
  flow: Omit<PendingFlow, 'expiresAt'>;
}

export class ProviderClient {
  /** The discovered configuration; dropped after a failure, so the next sign-in discovers again (the provider may start after the gateway). */
  private discovered: Promise<client.Configuration> | undefined;
  private readonly secret: string | null;

  constructor(private readonly config: OidcConfig) {
    // Kept here only, out of the config object others may log.
    this.secret = config.clientSecret;
  }

  private configuration(): Promise<client.Configuration> {
    this.discovered ??= this.discover().catch((err: unknown) => {
      this.discovered = undefined;
      // Without the provider's configuration no sign-in can start, whatever the cause: the provider counts as down.
      const failure = classify(err, 'discovery');
      const message = failure.kind === 'unreachable' ? failure.message : "discovery: the identity provider's configuration cannot be read";
      throw new SignInFailure('unreachable', message, failure.detail);
    });
    return this.discovered;
  }

  private discover(): Promise<client.Configuration> {
    const auth = this.secret ? client.ClientSecretBasic(this.secret) : client.None();
    return client.discovery(new URL(this.config.issuer!), this.config.clientId!, undefined, auth, {
      timeout: this.config.timeoutSeconds,
      // openid-client skips the ID token's signature when it comes straight from the token endpoint over TLS
      // (OIDC Core 3.1.3.7 allows it); the gateway checks it anyway: the provider's keys, not the channel, vouch for the person.
      execute: [client.enableNonRepudiationChecks, ...(this.config.allowHttp ? [client.allowInsecureRequests] : [])],
    });
  }

  async start(redirectUri: string, returnTo: string): Promise<SignInStart> {
    const config = await this.configuration();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.config.scopes.join(' '),
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, flow: { codeVerifier, state, nonce, returnTo, redirectUri } };
  }

  /** The callback's code exchanged and checked; the ID token's claims with the userinfo's added. */
  async finish(callbackUrl: URL, flow: PendingFlow): Promise<Record<string, unknown>> {
    const config = await this.configuration();
    // The callback is matched against the redirect_uri the flow used (it may differ from the URL this node saw behind a proxy).
    const current = new URL(flow.redirectUri);
    current.search = callbackUrl.search;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: flow.codeVerifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw classify(err, 'token');
    }
    const idClaims = tokens.claims();
    if (!idClaims) throw new SignInFailure('refused', "token: the identity provider's answer does not hold up", 'no ID token in the token response');
    if (!config.serverMetadata().userinfo_endpoint) return { ...idClaims };
    try {
      const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      // What the ID token vouches for (iss, aud, sub, nonce) stays as it was.
      return { ...info, ...idClaims };
    } catch (err) {
      throw classify(err, 'userinfo');
    }
  }
}
