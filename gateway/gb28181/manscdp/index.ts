// Public entry of the MANSCDP library (GB/T 28181 XML bodies and PTZ commands).
// No app dependencies: node builtins, fast-xml-parser and iconv-lite only.
export { ManscdpError } from './errors.ts';
export type { ManscdpErrorCode } from './errors.ts';
export { decodeXmlBody, encodeXmlBody, detectCharset, declaredEncoding } from './charset.ts';
export type { DecodeCharset, DecodeOptions, OutgoingCharset } from './charset.ts';
export { parseXml, escapeXml, childElement, childList, childText, attribute, MAX_BODY_BYTES, MAX_DEPTH } from './xml.ts';
export type { XmlDocument, XmlElement, XmlNode, ParseXmlOptions } from './xml.ts';
export { parseManscdp, canonicalName, KNOWN_CMD_TYPES } from './parse.ts';
export { decodeCatalog, decodeCatalogItem } from './catalog.ts';
export { decodeAlarm } from './alarm.ts';
export { decodeKeepalive, decodeDeviceInfo, decodeDeviceStatus, decodeResult, decodeQuery, decodeDeviceControl } from './decode.ts';
export {
  buildQuery, buildPtzControl, buildAlarmResponse, buildKeepalive, buildCatalogResponse, buildDeviceInfoResponse,
  buildDeviceStatusResponse, buildAlarmNotify, buildDeviceControlResponse, buildCatalogNotify,
} from './build.ts';
export { encodePtzCmd, decodePtzCmd, checkPtzCmd, checkPtzMove, validatePtzMove, PTZ_LIMITS, PTZ_DEFAULT_SPEED } from './ptz.ts';
export type { PtzMove, DecodedPtz, PtzInputProblem } from './ptz.ts';
export { checkPreset, checkCruise, encodePresetCmd, encodeCruiseCmd, decodePresetCmd } from './ptz-presets.ts';
export type { PresetAction, PresetCommand, CruiseCommand, DecodedPresetOrCruise } from './ptz-presets.ts';
export { decodeMobilePosition, buildMobilePositionNotify, buildSubscribeQuery } from './mobile-position.ts';
export type { MobilePosition, SubscribeCmdType } from './mobile-position.ts';
export type * from './types.ts';
