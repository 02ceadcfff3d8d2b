import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rangeAddresses, RANGE_PATTERN } from './discovery-ranges.ts';
import { OnvifError } from './types.ts';

describe('discovery ranges', () => {
  it('expands CIDR blocks without their network and broadcast addresses', () => {
    const c24 = rangeAddresses(['10.1.2.0/24']);
    assert.equal(c24.length, 254);
    assert.deepEqual([c24[0], c24.at(-1)], ['10.1.2.1', '10.1.2.254']);
    assert.deepEqual(rangeAddresses(['192.168.7.77/30']), ['192.168.7.77', '192.168.7.78'], 'the block the address is in');
    assert.deepEqual(rangeAddresses(['10.0.0.6/31']), ['10.0.0.6', '10.0.0.7']);
    assert.deepEqual(rangeAddresses(['10.0.0.9/32']), ['10.0.0.9']);
    assert.equal(rangeAddresses(['10.0.0.0/16']).length, 65_534);
  });

  it('expands from-to ranges across octets and single addresses, without repeats', () => {
    assert.deepEqual(rangeAddresses(['10.1.2.254-10.1.3.1']), ['10.1.2.254', '10.1.2.255', '10.1.3.0', '10.1.3.1']);
    assert.deepEqual(rangeAddresses(['10.0.0.5', '10.0.0.4-10.0.0.6']), ['10.0.0.5', '10.0.0.4', '10.0.0.6']);
  });

  it('refuses bad ranges and more addresses than the bound, naming the range', () => {
    for (const bad of ['10.0.0.256', '10.0.0', '10.0.0.9-10.0.0.1', '10.0.0.0/7', '10.0.0.0/33', 'a.b.c.d', '10.0.0.1-']) {
      assert.throws(() => rangeAddresses([bad]), (err: unknown) => err instanceof OnvifError && err.kind === 'malformed' && err.message.includes(bad.slice(0, 10)), bad);
    }
    assert.throws(() => rangeAddresses(['10.0.0.0/16', '10.1.0.0/24']), /more than 65536 addresses/);
    assert.throws(() => rangeAddresses(['10.0.0.1-10.0.0.20'], 10), /more than 10 addresses/);
  });

  it('the config pattern takes the three forms only', () => {
    const re = new RegExp(RANGE_PATTERN);
    for (const good of ['10.1.2.0/24', '10.1.3.10-10.1.3.200', '10.1.4.7']) assert.ok(re.test(good), good);
    for (const bad of ['10.1.2.0/24/1', 'host.example', '10.1.2.0 /24', '']) assert.ok(!re.test(bad), bad);
  });
});
