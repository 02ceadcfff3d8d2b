import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashUserPassword, needsRehash, passwordProblems, SCRYPT_PARAMS, temporaryPassword, verifyUserPassword } from './passwords.ts';

test('a password hashes with scrypt at N=2^15 (or stronger), salted, and verifies only itself', async () => {
  const hash = await hashUserPassword('correct horse battery');
  const [scheme, n, r, p, salt, key] = hash.split('$');
  assert.equal(scheme, 'scrypt');
  assert.ok(Number(n) >= 2 ** 15 && Number(r) >= 8 && Number(p) >= 1, 'memory-hard parameters stored with the hash');
  assert.equal(Buffer.from(salt!, 'base64').length, 16);
  assert.equal(Buffer.from(key!, 'base64').length, 32);
  assert.notEqual(await hashUserPassword('correct horse battery'), hash, 'a fresh salt each time');
  assert.equal(await verifyUserPassword('correct horse battery', hash), true);
  assert.equal(await verifyUserPassword('correct horse batterY', hash), false);
  assert.equal(await verifyUserPassword('x', 'not-a-hash'), false);
  assert.equal(hash.includes('correct horse'), false);
});

test('parameters live with the hash: an old weaker hash still verifies and asks to be redone', async () => {
  const old = await hashUserPassword('an older password', { N: 2 ** 14, r: 8, p: 1 });
  assert.equal(await verifyUserPassword('an older password', old), true);
  assert.equal(needsRehash(old), true);
  assert.equal(needsRehash(await hashUserPassword('a newer password')), false);
  assert.deepEqual(SCRYPT_PARAMS, { N: 2 ** 15, r: 8, p: 1 });
});

test('the policy names the rule a new password breaks, on the given field', () => {
  assert.deepEqual(passwordProblems('Str0ng-enough pass', 'li.wei', 'password'), []);
  const messages = (pw: string, user = 'li.wei') => passwordProblems(pw, user, 'newPassword').map((p) => `${p.field}: ${p.message}`);
  assert.deepEqual(messages('short1'), ['newPassword: must be at least 10 characters']);
  assert.deepEqual(messages('LI.WEI-2024-x'), ['newPassword: must not contain the user name']);
  assert.deepEqual(messages('Password123'), ['newPassword: is one of the most common passwords; choose another']);
  assert.deepEqual(messages('密码密码密码密码密码'), [], 'ten characters, not ten bytes');
});

test('temporary passwords are 16 characters, random, and pass the policy', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const pw = temporaryPassword();
    assert.match(pw, /^[a-zA-Z2-9]{16}$/);
    assert.deepEqual(passwordProblems(pw, 'admin', 'password'), []);
    seen.add(pw);
  }
  assert.equal(seen.size, 50);
});

test('a temporary password never holds the user name it is for (the policy would refuse it)', () => {
  // A one-letter name is in about half of random draws: every one of these would fail without the redraw.
  for (let i = 0; i < 200; i++) assert.deepEqual(passwordProblems(temporaryPassword('a'), 'a', 'password'), []);
  for (let i = 0; i < 200; i++) assert.doesNotMatch(temporaryPassword('x2'), /x2/i);
});
