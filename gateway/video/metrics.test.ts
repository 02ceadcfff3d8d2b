// Offline reasons become a bounded label: known reasons by their leading
// words, anything else `other`, so free text never becomes a series.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { offlineReasonLabel } from './metrics.ts';

test('offline reasons as a label: known words kept, details dropped, free text is other', () => {
  assert.equal(offlineReasonLabel('unreachable'), 'unreachable');
  assert.equal(offlineReasonLabel('exited: [rtsp @ 0x55] method DESCRIBE failed'), 'exited');
  assert.equal(offlineReasonLabel('device offline: no keepalive for 3 intervals of 60 s'), 'device offline');
  assert.equal(offlineReasonLabel('GB28181 is disabled in the configuration'), 'disabled');
  assert.equal(offlineReasonLabel('rtsp://admin:secret@10.0.0.1/x: Connection refused'), 'other');
  assert.equal(offlineReasonLabel('something nobody wrote yet'), 'other');
  assert.equal(offlineReasonLabel(undefined), 'other');
});
