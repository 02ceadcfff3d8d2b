import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { GwError } from '../errors.ts';
import { MAX_BODY_DEPTH, overNested, parseJsonBody } from './json-body.ts';

const req = (method = 'POST', type = 'application/json') => ({ method, headers: { 'content-type': type } }) as unknown as FastifyRequest;
const refusal = (text: string, r = req()) => {
  try {
    parseJsonBody(r, text);
  } catch (err) {
    assert.ok(err instanceof GwError, String(err));
    return { code: err.code, field: err.field, message: err.message };
  }
  assert.fail(`accepted: ${text.slice(0, 80)}`);
};

test('nesting is measured on the text, strings skipped, and names the top-level field', () => {
  assert.equal(overNested('{"a":[[1]]}', 3), undefined);
  assert.equal(overNested('{"a":[[[1]]]}', 3), 'a');
  assert.equal(overNested('{"ok":1, "evidence" :{"x":[[[1]]]}}', 3), 'evidence');
  assert.equal(overNested('[[[[1]]]]', 3), 'body');
  assert.equal(overNested(`{"s":"${'['.repeat(100)}\\"{{{"}`, 2), undefined, 'brackets inside strings do not count');
  assert.equal(overNested(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`, MAX_BODY_DEPTH), 'body');
});

test('a body nested past the limit, empty, or not JSON is a 400 on the body, without echoing it', () => {
  assert.deepEqual(refusal(`{"evidence":${'['.repeat(100_000)}${']'.repeat(100_000)}}`), {
    code: 'GW_ERR_VALIDATION', field: 'evidence', message: `evidence: is nested deeper than ${MAX_BODY_DEPTH} levels (the most a request body may have)`,
  });
  assert.equal(refusal('  ').message, 'the JSON body is empty');
  const bad = refusal('{"password": "hunter2-secret", x');
  assert.equal(bad.field, 'body');
  assert.doesNotMatch(bad.message, /hunter2/);
  assert.equal(refusal('{"a":').message, 'the body is not valid JSON (it ends too early)');
});

test('__proto__, constructor.prototype, NUL, lone surrogates and 1e999 are refused with the reason', () => {
  assert.deepEqual(refusal('{"__proto__":{"admin":true}}'), { code: 'GW_ERR_VALIDATION', field: 'body', message: 'the key __proto__ is not allowed' });
  assert.equal(refusal('{"a":[{"\\u005f_proto__":1}]}').message, 'the key __proto__ is not allowed (in a.0)');
  assert.equal(refusal('{"constructor":{"prototype":{}}}').message, 'the key constructor.prototype is not allowed');
  assert.deepEqual(refusal('{"name":"a\\u0000b"}'), { code: 'GW_ERR_VALIDATION', field: 'name', message: 'name: must not contain the NUL character (\\u0000)' });
  assert.deepEqual(refusal('{"tags":["ok","\\ud800x"]}'), { code: 'GW_ERR_VALIDATION', field: 'tags.1', message: 'tags.1: must be valid Unicode (it has half of a surrogate pair)' });
  assert.deepEqual(parseJsonBody(req(), '{"s":"\\ud83d\\ude92 东门"}'), { s: '🚒 东门' });
  assert.deepEqual(refusal('{"v":[1e999]}'), { code: 'GW_ERR_VALIDATION', field: 'v.0', message: 'v.0: must be a finite number' });
  assert.deepEqual(parseJsonBody(req(), '{"constructor":"crane","n":1e308}'), { constructor: 'crane', n: 1e308 });
});

test('application/merge-patch+json is for PATCH; a byte order mark is ignored', () => {
  assert.deepEqual(parseJsonBody(req('PATCH', 'application/merge-patch+json'), '{"name":null}'), { name: null });
  assert.equal(refusal('{}', req('POST', 'application/merge-patch+json')).code, 'GW_ERR_UNSUPPORTED_MEDIA_TYPE');
  assert.deepEqual(parseJsonBody(req(), '\uFEFF{"a":1}'), { a: 1 });
});
