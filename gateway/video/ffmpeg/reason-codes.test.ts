// Every reason the video room states has a code in the shared vocabulary
// (device-registry/vocabulary.ts), so the wall can say it in zh-CN or en: the
// ingest's classified reasons (the type makes a new one appear here) and the
// video manager's own (disabled, no push, idle, GB28181/RTMP off, elsewhere).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reasonCode } from '../../../device-registry/vocabulary.ts';
import type { OfflineReason } from './diagnostics.ts';

const INGEST: Record<OfflineReason, string> = {
  'auth failed': 'auth_failed', unreachable: 'unreachable', 'not found': 'not_found', timeout: 'timeout', 'no video stream': 'no_video_stream',
  'codec unsupported': 'codec_unsupported', stopped: 'stopped', 'no push': 'no_push', exited: 'exited', 'end of stream': 'end_of_stream',
  'device offline': 'device_offline', 'invite refused': 'invite_refused',
};
const MANAGER: Record<string, string> = {
  disabled: 'disabled', 'idle (on demand)': 'idle_on_demand', 'GB28181 is disabled in the configuration': 'gb28181_disabled',
  'RTMP push is disabled in the configuration': 'rtmp_disabled', 'runs on another node': 'elsewhere', 'no node runs it right now': 'no_node',
  'device offline: not registered': 'device_not_registered', 'device offline: disabled': 'device_disabled',
};

test('each offline reason of the video room has its code in the shared vocabulary', () => {
  for (const [text, code] of Object.entries({ ...INGEST, ...MANAGER })) assert.equal(reasonCode(text)?.code, code, text);
});
