// Public entry of the GB/T 28181 media library: RTP, reordering, RFC 4571
// framing, the MPEG-PS demuxer and muxer. Node built-ins only; no app dependencies.
export { MediaError, type MediaErrorCode } from './errors.ts';
export { buildRtp, parseRtp, type RtpFields, type RtpPacket } from './rtp.ts';
export { RtpReorderBuffer, seqDelta, type ReorderOptions, type ReorderStats } from './reorder.ts';
export { Rfc4571Framer, frameRfc4571, type Rfc4571Options } from './tcp-framing.ts';
export { PsDemuxer, type AccessUnit, type PsDemuxStats, type PsDemuxerOptions } from './ps-demux.ts';
export type { StreamFormat } from './probe.ts';
export { AccessUnitAssembler, type AssemblerOptions, type VideoAccessUnit } from './access-units.ts';
export type { AudioAccessUnit, AudioCodec } from './audio.ts';
export { guessCodec, isKeyNal, nalType, splitNalUnits, type VideoCodec } from './nal.ts';
export { PsMuxer, mpegCrc32, type MuxVideoFrame, type PsMuxerOptions } from './ps-mux.ts';
export { packetizeRtp, RtpPacketizer, type PacketizeOptions } from './ps-mux-rtp.ts';
export { AnnexBAccessUnitSplitter, type SplitAccessUnit } from './ps-mux-input.ts';
