// Who sent a request: the From user, where GB28181 devices put their 20-digit id.
import { parseNameAddr, SipParseError, type SipRequest } from './sip/index.ts';

export function senderOf(req: SipRequest): string | undefined {
  const from = req.headers.get('From');
  if (!from) return undefined;
  try {
    return parseNameAddr(from).uri.user;
  } catch (err) {
    if (err instanceof SipParseError) return undefined; // unreadable From: the caller refuses the request
    throw err;
  }
}
