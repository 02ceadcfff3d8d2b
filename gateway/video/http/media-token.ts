// Media tokens: a browser player cannot send an Authorization header on every
// segment, and an API key in a URL would end up in history and proxy logs. A
// token names one channel and one key, expires, and rides in the URL path so
// that relative segment URLs in the playlist keep it.
import { SignedTokens } from '../../../device-registry/index.ts';

export type { TokenCheck } from '../../../device-registry/index.ts';

export class MediaTokens extends SignedTokens {
  constructor(secret: Buffer, ttlSeconds: number) {
    super(secret, ttlSeconds, '', '', 'token is not valid for this channel');
  }
}
