// Public entry of cluster media: serve a channel's media from any node while
// its ingest runs on the node holding its lease. See README.md.
export { leaseLocator, type Locate, type LeaseLocatorOptions, type MediaLocation, type MediaLocator } from './locate.ts';
export { mediaOwnerRouting, type ChannelPlace, type MediaOwnerRouting, type MediaOwnerRoutingOptions, type MediaRoutingMode } from './media-owner.ts';
export { ownerFlv, type OwnerFlvOptions } from './owner-flv.ts';
export { MEDIA_ROUTING_CODES, type MediaRoutingCode } from './refusal.ts';
export { sharedMediaTokenSecret } from './token-secret.ts';
export { PROXIED_BY, SERVED_BY } from './upstream.ts';
