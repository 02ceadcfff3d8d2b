// Mutated camera answers never escape as anything but an OnvifError.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readProbeMatches } from './discovery.ts';
import { fault11, faultNested, hikvisionProfiles, pulledMessages } from './fixtures.ts';
import { readFault, soapBody } from './soap/parse.ts';
import { OnvifError } from './types.ts';

/** A small deterministic generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function mutate(text: string, rand: () => number): string {
  const chars = [...text];
  const edits = 1 + Math.floor(rand() * 8);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rand() * chars.length);
    const pick = rand();
    if (pick < 0.3) chars.splice(at, 1 + Math.floor(rand() * 20));
    else if (pick < 0.6) chars.splice(at, 0, '<>&"\'/=:!?[]'.charAt(Math.floor(rand() * 12)));
    else if (pick < 0.8) chars.splice(at, 0, ...chars.slice(Math.floor(rand() * chars.length), Math.floor(rand() * chars.length)));
    else chars[at] = String.fromCharCode(Math.floor(rand() * 0x3000));
  }
  return chars.join('');
}

describe('fuzzed ONVIF answers', () => {
  it('parse, or fail as OnvifError, never otherwise', () => {
    const rand = rng(23);
    const samples = [hikvisionProfiles, pulledMessages, faultNested, fault11];
    let parsed = 0;
    for (let i = 0; i < 1500; i++) {
      const text = mutate(samples[i % samples.length] ?? '', rand);
      try {
        readFault(soapBody(text, 'fuzz'));
        parsed++;
      } catch (err) {
        assert.ok(err instanceof OnvifError, `round ${i}: ${String(err)}`);
      }
      try {
        readProbeMatches(text, '10.0.0.1');
      } catch (err) {
        assert.ok(err instanceof OnvifError, `round ${i} (probe): ${String(err)}`);
      }
    }
    assert.ok(parsed > 0, 'some mutations still parse');
  });
});
