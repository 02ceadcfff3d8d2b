// Bad tokens from the identity provider are refused: a proxy in front of the
// provider's token endpoint (test/helpers/oidc-provider.ts) hands the gateway
// an ID token re-signed with another key, or validly signed but for another
// audience, expired, carrying another nonce or from another issuer. Each is a 401 with the reason
// in the log (never the token) and no session; an untouched token still signs in.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { me, signIn, startSso, type SsoSetup } from './helpers/oidc-gateway.ts';
import type { Tamper } from './helpers/oidc-provider.ts';

let s: SsoSetup;

before(async () => {
  s = await startSso();
});
after(async () => {
  if (process.env.OIDC_DUMP_LOGS) process.stdout.write(s.t.logs().split('\n').filter((l) => l.includes('refused')).join('\n'));
  await s?.stop();
});

const CASES: Array<{ tamper: Tamper; reason: RegExp }> = [
  { tamper: 'other-key', reason: /signature/i },
  { tamper: 'audience', reason: /"aud"|audience/i },
  { tamper: 'expired', reason: /"exp"|expir/i },
  { tamper: 'nonce', reason: /"nonce"|nonce/i },
  { tamper: 'issuer', reason: /"iss"|issuer/i },
];

for (const { tamper, reason } of CASES) {
  test(`an ID token tampered with (${tamper}) is refused: 401, the reason logged, no session`, async () => {
    const logsBefore = s.t.logs().length;
    s.provider.tamper = tamper;
    try {
      const { callback, browser } = await signIn(s, 'li.street', { callbackAccept: 'application/json' });
      assert.equal(callback.status, 401, callback.body);
      const body = JSON.parse(callback.body) as Record<string, unknown>;
      assert.equal(body.code, 'GW_ERR_UNAUTHENTICATED');
      assert.equal(body.messageCode, 'sso_refused');
      assert.equal(browser.cookie('gw_session'), undefined);
      assert.equal((await me(s, browser)).status, 401);
      const logged = s.t.logs().slice(logsBefore);
      const line = logged.split('\n').find((l) => l.includes('single sign-on refused'));
      assert.ok(line, `no refusal in the log: ${logged.slice(-2000)}`);
      assert.match(line, reason);
      const token = s.provider.lastIdToken()!;
      assert.ok(!logged.includes(token) && !logged.includes(token.split('.')[1]!), 'the ID token (or its claims part) in the log');
    } finally {
      s.provider.tamper = 'none';
    }
  });
}

test('a browser whose token is refused lands on the sign-in page with the reason code', async () => {
  s.provider.tamper = 'other-key';
  try {
    const { callback, browser } = await signIn(s, 'li.street');
    assert.equal(callback.status, 302);
    assert.equal(callback.location, `${s.base}/?signin_error=sso_refused`);
    assert.equal(browser.cookie('gw_session'), undefined);
  } finally {
    s.provider.tamper = 'none';
  }
});

test('the same sign-in with the token untouched succeeds (the proxy alone refuses nothing)', async () => {
  const { callback, browser } = await signIn(s, 'li.street');
  assert.equal(callback.status, 302, callback.body);
  const who = await me(s, browser);
  assert.equal(who.status, 200);
  assert.equal((who.body!.user as Record<string, unknown>).role, 'operator');
});
