// Sign-in through the city's OpenID Connect provider: authorization code with
// PKCE (S256), state and nonce. /login sends the browser to the provider with
// the flow sealed in a cookie; /callback checks what comes back, maps the
// claims to a role and scope, creates or updates the person and starts a
// session (the accounts' functions), then returns to the page asked for.
// A browser that fails lands on the sign-in page (/?signin_error=<code>);
// an API client gets the catalogue's JSON error.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { coded, GwError, type ErrorCode } from '../../errors.ts';
import { say, type Params } from '../../messages.ts';
import { ErrorBody } from '../../schemas/common.ts';
import { mapClaims, type MappedIdentity } from './claims.ts';
import type { OidcConfig } from './config.ts';
import { FLOW_COOKIE, FlowSealer, readCookie } from './flow-cookie.ts';
import { ProviderClient, SignInFailure } from './provider-client.ts';

export const CALLBACK_PATH = '/api/auth/oidc/callback';

/** The person as the provider vouches for them, handed to the accounts. */
export interface ExternalIdentity extends MappedIdentity {
  source: 'oidc';
  issuer: string;
  subject: string;
}

/** What single sign-on needs from the accounts (device-registry/auth/accounts.ts). */
export interface OidcAccounts {
  /** Creates the person, or brings their name, role, scope and department up to date; found by (issuer, subject). */
  upsertExternal(identity: ExternalIdentity): Promise<{ id: string; username: string; disabled: boolean }>;
  /** Starts a session for the person: sets the gw_session cookie on the reply. */
  startSession(req: FastifyRequest, reply: FastifyReply, userId: string): Promise<{ csrfToken: string }>;
}

export interface OidcRoutesOptions {
  config: OidcConfig;
  /** The node's token secret (shared by a cluster's nodes): seals the flow cookie. */
  secret: Buffer;
  accounts: OidcAccounts;
}

/** returnTo: a path on this gateway only (no scheme, no host, no //evil.example). */
export function localPath(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\') || [...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return undefined;
  return value;
}

const wantsPage = (req: FastifyRequest) => (req.headers.accept ?? '').includes('text/html');
const isTls = (req: FastifyRequest) => req.protocol === 'https';

type SsoCode = 'sso_not_configured' | 'sso_unreachable' | 'sso_refused' | 'sso_no_role' | 'sso_no_scope' | 'sso_account_invalid' | 'sso_user_disabled';

const STATUS: Record<SsoCode, ErrorCode> = {
  sso_not_configured: 'GW_ERR_NOT_FOUND',
  sso_unreachable: 'GW_ERR_UNAVAILABLE',
  sso_refused: 'GW_ERR_UNAUTHENTICATED',
  sso_no_role: 'GW_ERR_FORBIDDEN',
  sso_no_scope: 'GW_ERR_FORBIDDEN',
  sso_account_invalid: 'GW_ERR_FORBIDDEN',
  sso_user_disabled: 'GW_ERR_FORBIDDEN',
};

/** A browser goes back to the sign-in page with the code; an API client gets the error. */
function fail(req: FastifyRequest, reply: FastifyReply, code: SsoCode, params?: Params): FastifyReply {
  if (wantsPage(req)) return reply.redirect(`/?signin_error=${code}`, 302);
  throw coded(STATUS[code], say(code, params));
}

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 503: ErrorBody };

export function oidcRoutes(app: FastifyInstance, opts: OidcRoutesOptions): void {
  const { config } = opts;
  const tags = ['auth'];
  const sealer = new FlowSealer(opts.secret);
  const provider = config.enabled ? new ProviderClient(config) : undefined;

  app.get('/api/auth/config', {
    config: { public: true },
    schema: {
      tags, summary: 'What the sign-in page offers: single sign-on (its button label and where it starts) beside user name and password',
      response: { 200: Type.Object({ oidc: Type.Object({ enabled: Type.Boolean(), label: Type.Union([Type.String(), Type.Null()]), loginUrl: Type.Union([Type.String(), Type.Null()]) }) }) },
    },
  }, async () => ({
    oidc: { enabled: config.enabled, label: config.enabled ? config.label : null, loginUrl: config.enabled ? '/api/auth/oidc/login' : null },
  }));

  app.get('/api/auth/oidc/login', {
    config: { public: true },
    schema: {
      tags, summary: 'Sign in through the identity provider: redirects there (302); a browser that cannot go lands on /?signin_error=<code>',
      querystring: Type.Object({ returnTo: Type.Optional(Type.String({ maxLength: 2048, description: 'A local path to return to after sign-in (default /)' })) }, { additionalProperties: false }),
      response: { 302: Type.Null(), ...errors },
    },
  }, async (req, reply) => {
    if (!provider) return fail(req, reply, 'sso_not_configured');
    const returnTo = localPath((req.query as { returnTo?: string }).returnTo);
    if (!returnTo) throw new GwError('GW_ERR_VALIDATION', 'returnTo must be a path on this gateway (starting with a single /)', 'returnTo');
    const redirectUri = config.redirectUri ?? `${req.protocol}://${req.host}${CALLBACK_PATH}`;
    try {
      const { url, flow } = await provider.start(redirectUri, returnTo);
      reply.header('set-cookie', sealer.cookie(sealer.seal(flow).value, isTls(req)));
      return reply.redirect(url.href, 302);
    } catch (err) {
      if (!(err instanceof SignInFailure)) throw err;
      req.log.warn({ module: 'oidc', step: 'login', reason: err.detail ?? err.message }, `single sign-on cannot start: ${err.message}`);
      return fail(req, reply, 'sso_unreachable');
    }
  });

  app.get(CALLBACK_PATH, {
    config: { public: true },
    schema: {
      tags, summary: 'Where the identity provider returns the browser: checks the answer, starts a session (gw_session cookie) and redirects to returnTo',
      querystring: Type.Object({}, { additionalProperties: true }),
      response: { 302: Type.Null(), ...errors },
    },
  }, async (req, reply) => {
    if (!provider) return fail(req, reply, 'sso_not_configured');
    // The flow is single-use: whatever happens next, its cookie goes.
    reply.header('set-cookie', sealer.clearCookie(isTls(req)));
    const opened = sealer.open(readCookie(req.headers.cookie, FLOW_COOKIE));
    const log = req.log.child({ module: 'oidc' });
    if (!opened.ok) {
      log.warn({ step: 'callback', reason: opened.why }, 'single sign-on refused');
      return fail(req, reply, 'sso_refused');
    }
    let identity: ExternalIdentity;
    try {
      const claims = await provider.finish(new URL(req.url, 'http://callback.invalid'), opened.flow);
      const mapped = mapClaims(config, claims);
      if (!mapped.ok) {
        log.warn({ step: 'claims', reason: mapped.detail, subject: claims.sub }, `single sign-on refused: ${mapped.reason}`);
        return fail(req, reply, mapped.reason === 'no_username' ? 'sso_refused' : `sso_${mapped.reason}`);
      }
      identity = { ...mapped.identity, source: 'oidc', issuer: String(claims.iss), subject: String(claims.sub) };
    } catch (err) {
      if (!(err instanceof SignInFailure)) throw err;
      log.warn({ step: 'callback', kind: err.kind, reason: err.detail ?? err.message }, `single sign-on ${err.kind === 'refused' ? 'refused' : 'failed'}: ${err.message}`);
      return fail(req, reply, err.kind === 'refused' ? 'sso_refused' : 'sso_unreachable');
    }
    let user: { id: string; username: string; disabled: boolean };
    try {
      user = await opts.accounts.upsertExternal(identity);
    } catch (err) {
      // The provider's claims do not fit the registry (an unknown grid code or department, a name a local account holds).
      if (!(err instanceof GwError)) throw err;
      log.warn({ step: 'user', subject: identity.subject, username: identity.username, reason: err.message }, 'single sign-on refused: the account does not fit');
      return fail(req, reply, 'sso_account_invalid', { reason: err.message });
    }
    if (user.disabled) {
      log.warn({ step: 'user', userId: user.id }, 'single sign-on refused: the account is disabled');
      return fail(req, reply, 'sso_user_disabled');
    }
    await opts.accounts.startSession(req, reply, user.id);
    log.info({ userId: user.id, username: user.username, role: identity.role, scope: identity.scope }, 'signed in through single sign-on');
    return reply.redirect(opened.flow.returnTo, 302);
  });
}
