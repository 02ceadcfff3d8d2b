// The one error class of the media library. Only the RTP parser/builder and
// the RFC 4571 framer throw it; the PS demuxer never throws on input and
// reports problems through its counters instead.

export type MediaErrorCode =
  | 'MEDIA_RTP_TOO_SHORT' // under 12 bytes, or the CSRC list runs past the end
  | 'MEDIA_RTP_BAD_VERSION' // version field is not 2
  | 'MEDIA_RTP_BAD_EXTENSION' // header extension runs past the end
  | 'MEDIA_RTP_BAD_PADDING' // padding count 0 or larger than what is left
  | 'MEDIA_RTP_BAD_FIELD' // buildRtp input out of range
  | 'MEDIA_FRAME_BAD_LENGTH'; // RFC 4571 length under the minimum or over the maximum

export class MediaError extends Error {
  override readonly name = 'MediaError';

  constructor(
    readonly code: MediaErrorCode,
    message: string,
  ) {
    super(message);
  }
}
