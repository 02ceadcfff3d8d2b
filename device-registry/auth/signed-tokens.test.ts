// Signed tokens: bound to what they are for, to the key they name and to
// their expiry; one family is never accepted as another.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SignedTokens, UrlTokens } from './signed-tokens.ts';

const secret = randomBytes(32);

test('a URL token names its key and expires', () => {
  const tokens = new UrlTokens(secret, 600);
  const now = Date.UTC(2026, 11, 6, 12);
  const { token, expiresAt } = tokens.issueFor('key_abc', now);
  assert.match(token, /^gwu_\d+\./);
  assert.equal(expiresAt, now + 600_000);
  assert.deepEqual(tokens.check(token, now + 599_000), { ok: true, keyId: 'key_abc', expiresAt });
  assert.deepEqual(tokens.check(token, now + 600_000), { ok: false, why: 'token expired' });
});

test('a token is refused when tampered with, signed by another secret, or of another family', () => {
  const tokens = new UrlTokens(secret, 600);
  const { token } = tokens.issueFor('key_abc');
  const [exp, , sig] = token.slice(4).split('.');
  const otherKey = `gwu_${exp}.${Buffer.from('key_admin').toString('base64url')}.${sig}`;
  assert.equal(tokens.check(otherKey).ok, false, 'another key id under the same signature');
  assert.equal(new UrlTokens(randomBytes(32), 600).check(token).ok, false, 'another secret');
  // A media token for a channel, made from the same secret, is not a URL token, nor the other way round.
  const media = new SignedTokens(secret, 600);
  const mediaToken = media.issue('url', 'key_abc').token;
  assert.equal(tokens.check(`gwu_${mediaToken}`).ok, false);
  assert.equal(media.verify(token.slice(4), 'url').ok, false);
  assert.equal(tokens.check('gwk_notatoken').ok, false);
});
